// Keeps Dispatch's monotonic timers firing when the tests run under libfaketime.
//
// libfaketime 0.9.10 (Debian's; `faketime '+45 days' ContactPointPackageTests.xctest`)
// rewrites every absolute timerfd_settime as if the timer were on the wall clock
// (wolfcw/libfaketime#378), so a CLOCK_MONOTONIC timer lands decades away. libdispatch arms
// its monotonic timers that way (asyncAfter, DispatchSourceTimer with `deadline:`), and so
// does CoreFoundation for a run loop's timeout. XCTest runs every test's async setUp and
// tearDown in the main run loop and relies on that 0.1 s timeout when the work finishes
// before the loop starts; under faketime that race hung a run at random, tests that start
// no process included. HTTP1's connection deadlines would not fire either.
//
// Wall-clock timers are converted correctly, and whenever libdispatch's manager thread
// wakes for a timer it fires every timer that is due. So, only when libfaketime is
// preloaded, a wall-clock timer ticks every 20 ms for the life of the test process, and a
// monotonic timer is at most that late. The programs the tests start (pocd, poc) are not
// helped: under faketime their monotonic timers still wait for another timer to wake Dispatch.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// libdispatch's public C API (dispatch/source.h, queue.h, time.h), declared here because
// SwiftPM gives a C target no path to the toolchain's <dispatch/dispatch.h>.
typedef struct dispatch_queue_s *dispatch_queue_t;
typedef struct dispatch_source_s *dispatch_source_t;
typedef uint64_t dispatch_time_t;
extern const struct dispatch_source_type_s _dispatch_source_type_timer;
extern dispatch_queue_t dispatch_queue_create(const char *label, void *attributes);
extern dispatch_source_t dispatch_source_create(const struct dispatch_source_type_s *type, uintptr_t handle,
                                                uintptr_t mask, dispatch_queue_t queue);
extern dispatch_time_t dispatch_walltime(const struct timespec *when, int64_t delta);
extern void dispatch_source_set_timer(dispatch_source_t source, dispatch_time_t start, uint64_t interval,
                                      uint64_t leeway);
extern void dispatch_source_set_event_handler_f(dispatch_source_t source, void (*handler)(void *));
extern void dispatch_resume(void *object);

static void tick(void *context) { (void)context; }

__attribute__((constructor)) static void cts_wake_dispatch_timers_under_libfaketime(void) {
    const char *preload = getenv("LD_PRELOAD");
    if (preload == NULL || strstr(preload, "libfaketime") == NULL) return;
    dispatch_queue_t queue = dispatch_queue_create("TestSupport.libfaketime-tick", NULL);
    dispatch_source_t timer = dispatch_source_create(&_dispatch_source_type_timer, 0, 0, queue);
    dispatch_source_set_timer(timer, dispatch_walltime(NULL, 0), 20 * 1000000ull, 5 * 1000000ull);
    dispatch_source_set_event_handler_f(timer, tick);
    dispatch_resume(timer);  // never released: it runs until the process exits
}
