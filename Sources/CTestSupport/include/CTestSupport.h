#ifndef CONTACTPOINT_CTESTSUPPORT_H
#define CONTACTPOINT_CTESTSUPPORT_H
// C helpers of TestSupport. faketime.c has no API: it keeps Dispatch's timers firing when
// the test process runs under libfaketime (see the comment there).
//
// glibc's posix_spawn extensions are declared only under _GNU_SOURCE, which Swift's Glibc
// module is not built with; each one TestSupport needs is wrapped in spawn.c (compiled
// with _GNU_SOURCE) with a `cts_` prefix.
#include <spawn.h>

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): in the child, after the earlier
/// actions, close every descriptor from `from` upwards.
int cts_posix_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
