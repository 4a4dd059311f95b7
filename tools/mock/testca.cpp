// A throw-away CA and a server certificate for 127.0.0.1/localhost, so TLS
// can be tested offline with CURLOPT_CAINFO=ca.pem. EC P-256 keys: fast to
// generate (also under valgrind) and accepted by GnuTLS and OpenSSL.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tcmock.h"

namespace {

struct Free {
  void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
  void operator()(X509 *p) const { X509_free(p); }
  void operator()(BIO *p) const { BIO_free(p); }
  void operator()(BIGNUM *p) const { BN_free(p); }
  void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

// Throws with OpenSSL's own reason appended.
[[noreturn]] void fail(const std::string &what) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(what + (e ? std::string(": ") + buf : std::string()));
}

template <class T>
T *must(T *p, const char *what) {
  if (!p) fail(what);
  return p;
}

void must_ok(int rc, const char *what) {
  if (rc <= 0) fail(what);
}

Ptr<EVP_PKEY> new_key() { return Ptr<EVP_PKEY>(must(EVP_EC_gen("P-256"), "EC key generation")); }

void add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(must(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value), "certificate extension"));
  must_ok(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// A certificate for `key` named `cn`, signed by issuer_key (issuer == null: self-signed).
Ptr<X509> new_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long days) {
  Ptr<X509> cert(must(X509_new(), "X509_new"));
  must_ok(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

  // 127 random bits: positive and unique enough that browsers never see a repeat.
  unsigned char serial[16];
  must_ok(RAND_bytes(serial, sizeof serial), "RAND_bytes");
  serial[0] &= 0x7f;
  Ptr<BIGNUM> bn(must(BN_bin2bn(serial, sizeof serial, nullptr), "BN_bin2bn"));
  must(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())), "serial number");

  must(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600), "notBefore");  // tolerate clock skew
  must(X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400L), "notAfter");

  X509_NAME *name = X509_get_subject_name(cert.get());
  must_ok(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char *>("twitchconduits tc-mock"), -1, -1, 0),
          "subject O");
  must_ok(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn), -1, -1, 0),
          "subject CN");
  X509 *signer = issuer ? issuer : cert.get();
  must_ok(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "issuer name");
  must_ok(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");

  if (!issuer) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    // Clients match the name they dialled against subjectAltName, not CN.
    add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
  return cert;
}

std::string to_pem(BIO *bio) {
  char *data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string cert_pem(X509 *cert) {
  Ptr<BIO> bio(must(BIO_new(BIO_s_mem()), "BIO_new"));
  must_ok(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return to_pem(bio.get());
}

std::string key_pem(EVP_PKEY *key) {
  Ptr<BIO> bio(must(BIO_new(BIO_s_mem()), "BIO_new"));
  must_ok(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_bio_PrivateKey");
  return to_pem(bio.get());
}

void write_file(const std::string &path, const std::string &data, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  if (fchmod(fd, mode) != 0) {  // open() keeps the mode of an existing file
    int e = errno;
    close(fd);
    throw std::runtime_error("cannot chmod " + path + ": " + std::strerror(e));
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace

extern "C" int tcmock_make_test_ca(const char *dir, char *err, size_t errlen) {
  try {
    if (!dir || !*dir) throw std::runtime_error("dir must not be empty");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
      throw std::runtime_error(std::string("cannot create ") + dir + ": " + std::strerror(errno));

    Ptr<EVP_PKEY> ca_key = new_key();
    Ptr<X509> ca = new_cert(ca_key.get(), "tc-mock test CA", nullptr, ca_key.get(), 3650);
    Ptr<EVP_PKEY> srv_key = new_key();
    Ptr<X509> srv = new_cert(srv_key.get(), "127.0.0.1", ca.get(), ca_key.get(), 825);

    std::string d = dir;
    write_file(d + "/ca.pem", cert_pem(ca.get()), 0644);
    write_file(d + "/server.pem", cert_pem(srv.get()), 0644);
    write_file(d + "/server.key", key_pem(srv_key.get()), 0600);  // a private key: owner only
    return 0;
  } catch (const std::exception &e) {
    if (err && errlen) std::snprintf(err, errlen, "%s", e.what());
    return -1;
  } catch (...) {
    if (err && errlen) std::snprintf(err, errlen, "unexpected error");
    return -1;
  }
}
