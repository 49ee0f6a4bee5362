#ifndef CONTACTPOINT_COPENSSL_SHIM_H
#define CONTACTPOINT_COPENSSL_SHIM_H
// The system OpenSSL 3 (libssl-dev), as Swift sees it.
// Function-like macros do not import into Swift; each one the project needs is
// wrapped here as a static inline function with a `cpo_` prefix.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static inline long cpo_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long cpo_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long cpo_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long cpo_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline long cpo_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long cpo_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
static inline void cpo_sk_GENERAL_NAME_pop_free(GENERAL_NAMES *names) {
    sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free);
}
static inline int cpo_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}
static inline GENERAL_NAME *cpo_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int i) {
    return sk_GENERAL_NAME_value(names, i);
}

static inline long cpo_SSL_set_mode(SSL *ssl, long mode) {
    return SSL_set_mode(ssl, mode);
}
static inline void cpo_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}
// The SSL_OP_* options are 64-bit expressions Swift cannot import: the transport's fixed
// hardening (no renegotiation, no session tickets, no compression, server cipher order).
static inline void cpo_SSL_CTX_set_hardening_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                             SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}
// A server reads a TCP FIN without close_notify as the end of the client's input, like a
// close_notify, instead of failing the connection with a decode_error alert: the HTTP
// framing (Content-Length) already tells a complete request from a truncated one, and
// the client may still be reading the answer.
static inline void cpo_SSL_CTX_set_eof_ends_input(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
}
static inline long cpo_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *groups) {
    return SSL_CTX_set1_groups_list(ctx, groups);
}
static inline long cpo_SSL_CTX_get0_chain_certs(SSL_CTX *ctx, STACK_OF(X509) **chain) {
    return SSL_CTX_get0_chain_certs(ctx, chain);
}
static inline long cpo_SSL_CTX_clear_chain_certs(SSL_CTX *ctx) {
    return SSL_CTX_clear_chain_certs(ctx);
}
static inline long cpo_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *certificate) {
    return SSL_CTX_add1_chain_cert(ctx, certificate);
}
static inline int cpo_sk_X509_num(const STACK_OF(X509) *certificates) {
    return sk_X509_num(certificates);
}
static inline X509 *cpo_sk_X509_value(const STACK_OF(X509) *certificates, int i) {
    return sk_X509_value(certificates, i);
}
static inline void cpo_sk_X509_NAME_pop_free(STACK_OF(X509_NAME) *names) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
}
static inline int cpo_sk_X509_NAME_num(const STACK_OF(X509_NAME) *names) {
    return sk_X509_NAME_num(names);
}

#endif
