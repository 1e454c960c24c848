// Throwaway TLS material for tests, generated with the OpenSSL 3 API on every run (never
// committed): a CA (basicConstraints CA:TRUE, keyCertSign) and leaf certificates it signs.
#pragma once

#include <filesystem>

namespace pms::test {

struct TestCertificates {
    std::filesystem::path ca_certificate; // PEM; trust this (ClientTls::extra_ca_file)
    // Leaf for the loopback server: SAN DNS:localhost, IP:127.0.0.1, IP:::1; serverAuth.
    std::filesystem::path server_certificate; // PEM, leaf only (the CA is the trust anchor)
    std::filesystem::path server_key;         // PEM, unencrypted PKCS#8
    // Leaf signed by the same CA for a name that is not ours (SAN DNS:wrong-host.invalid):
    // a client connecting to 127.0.0.1 must refuse it with host_name_mismatch.
    std::filesystem::path wrong_host_certificate;
    std::filesystem::path wrong_host_key;
};

// Writes the files into `dir` (which must exist) and returns their paths. Certificates are
// valid from one hour ago for 7 days; keys are EC P-256. Throws std::runtime_error with the
// OpenSSL error text on failure.
TestCertificates generate_test_certificates(const std::filesystem::path& dir);

} // namespace pms::test
