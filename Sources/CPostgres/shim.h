#ifndef CONTACTPOINT_CPOSTGRES_SHIM_H
#define CONTACTPOINT_CPOSTGRES_SHIM_H
// libpq, PostgreSQL's C client (Debian's libpq-dev). The store runs it blocking on its own queues.
#include <libpq-fe.h>
#endif
