/* ops_flow.c: argument checks and dispatch of the "flow" op family (DAIN's layers). */
#include "ops_flow.h"
