// OpenSSL contexts for pms::net and the client-side TLS checks (SNI, host name, IP SAN).
#include "tls_context.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <system_error>

namespace pms::net::detail {
namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void throw_tls_setup(const char* what, const boost::system::error_code& ec) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            std::string(what) + ": " + ec.message());
}

bool is_ip_literal(std::string_view host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec);
    return !ec;
}

} // namespace

std::shared_ptr<ssl::context> make_client_context(const ClientTls& tls) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (tls.use_system_store) {
        ctx->set_default_verify_paths(ec);
        if (ec)
            throw_tls_setup("cannot load the system trust store", ec);
    }
    if (!tls.extra_ca_file.empty()) {
        ctx->load_verify_file(tls.extra_ca_file.string(), ec);
        if (ec)
            throw_tls_setup(("cannot load CA file " + tls.extra_ca_file.string()).c_str(), ec);
    }
    ctx->set_verify_mode(tls.verify_peer ? ssl::verify_peer : ssl::verify_none);
    return ctx;
}

std::shared_ptr<ssl::context> make_server_context(const ServerTls& tls) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(tls.certificate_chain_file.string(), ec);
    if (ec)
        throw_tls_setup(("cannot load certificate " + tls.certificate_chain_file.string()).c_str(),
                        ec);
    ctx->use_private_key_file(tls.private_key_file.string(), ssl::context::pem, ec);
    if (ec)
        throw_tls_setup(("cannot load key " + tls.private_key_file.string()).c_str(), ec);
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "certificate and private key do not match");
    // TLS 1.3 tickets arrive after the handshake; without them an idle pooled connection on
    // the client never has unread bytes, which the client takes as a sign of a dead connection.
    SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
    return ctx;
}

bool prepare_client_ssl(SSL* ssl, std::string_view host, bool verify, std::string& detail) {
    std::string h(host);
    bool ip = is_ip_literal(h);
    if (!ip && SSL_set_tlsext_host_name(ssl, h.c_str()) != 1) {
        detail = "cannot set SNI";
        return false;
    }
    if (!verify)
        return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, h.c_str())
                : X509_VERIFY_PARAM_set1_host(param, h.c_str(), h.size());
    if (ok != 1) {
        detail = "cannot set the expected peer name";
        return false;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return true;
}

error classify_handshake_failure(SSL* ssl, const boost::system::error_code& ec,
                                 std::string& detail) {
    long result = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (result != X509_V_OK) {
        detail = X509_verify_cert_error_string(result);
        if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH)
            return error::host_name_mismatch;
        return error::certificate_untrusted;
    }
    detail = ec.message();
    return error::tls_handshake_failed;
}

bool is_tls_truncation(const boost::system::error_code& ec) {
    if (ec == ssl::error::stream_truncated)
        return true;
    return ec.category() == boost::asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
               SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

} // namespace pms::net::detail
