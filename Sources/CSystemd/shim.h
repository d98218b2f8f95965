#ifndef MODELD_CSYSTEMD_SHIM_H
#define MODELD_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
// sd_journal_send is variadic; modeld calls sd_journal_sendv (an iovec array) instead,
// which Swift can call directly, so CODE_FILE/CODE_LINE name the Swift caller.
#endif
