/* placeholder */
#include "config.h"
#include "emu-service.h"
void emu_afc_serve (EmuDevice *device, EmuConn *conn) { (void) device; (void) conn; }
