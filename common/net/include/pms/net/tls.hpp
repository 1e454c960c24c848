// TLS settings for pms::net. Light header: no Asio or OpenSSL includes; the SSL contexts are
// built inside the library (src/tls.cpp) from these plain values.
#pragma once

#include <filesystem>

namespace pms::net {

// Client-side trust settings.
struct ClientTls {
    // Verify the peer's chain and that its certificate names the requested host (DNS name or
    // IP address SAN). SNI is always sent for DNS names. Turn off only in tests that check the
    // refusal paths; production code must keep it on.
    bool verify_peer = true;
    // Trust the system store (/etc/ssl/certs via OpenSSL's default paths).
    bool use_system_store = true;
    // A PEM file with extra trusted CA certificates (test servers); empty = none.
    // A file that cannot be read makes the HttpClient constructor throw std::system_error.
    std::filesystem::path extra_ca_file;
};

// Server-side certificate: PEM files. The chain file holds the leaf first, then intermediates.
struct ServerTls {
    std::filesystem::path certificate_chain_file;
    std::filesystem::path private_key_file; // unencrypted PEM (PKCS#8 or traditional)
};

} // namespace pms::net
