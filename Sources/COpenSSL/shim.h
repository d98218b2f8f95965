#ifndef MODELD_COPENSSL_SHIM_H
#define MODELD_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
