// Generates a throwaway CA and two leaf certificates with the OpenSSL 3 API (EC P-256,
// SHA-256). Nothing is committed: every test run makes its own.
#include <pms/test_support/test_certificates.hpp>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace pms::test {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(std::FILE* p) const { std::fclose(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;

[[noreturn]] void fail(const std::string& what) {
    std::string message = "test certificates: " + what;
    if (unsigned long e = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(e, text, sizeof text);
        message += ": ";
        message += text;
    }
    throw std::runtime_error(message);
}

void check(int ok, const char* what) {
    if (ok != 1)
        fail(what);
}

KeyPtr make_key() {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        fail("EC key generation");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext)
        fail(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

// A certificate for `subject_key`, signed by `issuer_key` (self-signed when issuer is null).
CertPtr make_certificate(const char* common_name, EVP_PKEY* subject_key, X509* issuer,
                         EVP_PKEY* issuer_key, bool is_ca, const char* subject_alt_names) {
    CertPtr cert(X509_new());
    if (!cert)
        fail("X509_new");
    check(X509_set_version(cert.get(), 2), "X509_set_version");
    std::unique_ptr<BIGNUM, Free> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
        fail("serial number");
    if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        fail("serial number");
    // Valid from an hour ago so that a small clock difference does not matter.
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600))
        fail("validity");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("pms test"), -1, -1, 0),
          "subject O");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                     0),
          "subject CN");
    X509* signer = issuer ? issuer : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "issuer");
    check(X509_set_pubkey(cert.get(), subject_key), "public key");

    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    if (is_ca) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
        add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        add_extension(cert.get(), signer, NID_subject_alt_name, subject_alt_names);
    }
    if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0)
        fail("X509_sign");
    return cert;
}

std::unique_ptr<std::FILE, Free> open_for_write(const std::filesystem::path& path) {
    std::unique_ptr<std::FILE, Free> f(std::fopen(path.c_str(), "wb"));
    if (!f)
        throw std::runtime_error("test certificates: cannot write " + path.string());
    return f;
}

void write_certificate(const std::filesystem::path& path, X509* cert) {
    auto f = open_for_write(path);
    check(PEM_write_X509(f.get(), cert), "PEM_write_X509");
}

void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
    auto f = open_for_write(path);
    check(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_PrivateKey");
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
}

} // namespace

TestCertificates generate_test_certificates(const std::filesystem::path& dir) {
    TestCertificates out;
    out.ca_certificate = dir / "ca.pem";
    out.server_certificate = dir / "server.pem";
    out.server_key = dir / "server-key.pem";
    out.wrong_host_certificate = dir / "wrong-host.pem";
    out.wrong_host_key = dir / "wrong-host-key.pem";

    auto ca_key = make_key();
    auto ca = make_certificate("pms test CA", ca_key.get(), nullptr, ca_key.get(), true, nullptr);
    auto server_key = make_key();
    auto server = make_certificate("localhost", server_key.get(), ca.get(), ca_key.get(), false,
                                   "DNS:localhost,IP:127.0.0.1,IP:::1");
    auto wrong_key = make_key();
    auto wrong = make_certificate("wrong-host.invalid", wrong_key.get(), ca.get(), ca_key.get(),
                                  false, "DNS:wrong-host.invalid");

    write_certificate(out.ca_certificate, ca.get());
    write_certificate(out.server_certificate, server.get());
    write_key(out.server_key, server_key.get());
    write_certificate(out.wrong_host_certificate, wrong.get());
    write_key(out.wrong_host_key, wrong_key.get());
    return out;
}

} // namespace pms::test
