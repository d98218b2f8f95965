#include "CModeldLinux.h"
