/* The shared bridge, compiled into this package (cgo builds only the .c
 * files of the package directory). */
#include "../../../common/tcb.c"
