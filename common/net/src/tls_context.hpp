// Internal: OpenSSL contexts and per-connection TLS setup for the client and the server.
// Included only by the library's .cpp files (it pulls in Asio SSL and OpenSSL headers).
#pragma once

#include <pms/net/error.hpp>
#include <pms/net/tls.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <string_view>

using SSL = struct ssl_st;

namespace pms::net::detail {

// A client context: TLS 1.2+, system store and/or extra CA file, peer verification per
// `tls.verify_peer`. Throws std::system_error if a trust source cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_client_context(const ClientTls& tls);

// A server context: TLS 1.2+, certificate chain and key from PEM files, no session tickets.
// Throws std::system_error if the files cannot be loaded or do not match.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const ServerTls& tls);

// Before the client handshake: SNI for DNS names (never for IP literals, RFC 6066 §3) and
// the name or address the peer certificate must carry, checked by OpenSSL during the handshake.
// Returns false with `detail` set if OpenSSL refuses the parameters.
bool prepare_client_ssl(SSL* ssl, std::string_view host, bool verify, std::string& detail);

// Classifies a failed client handshake: host_name_mismatch, certificate_untrusted or
// tls_handshake_failed, with a human-readable `detail`.
error classify_handshake_failure(SSL* ssl, const boost::system::error_code& ec,
                                 std::string& detail);

// True for errors that mean "the TLS peer went away without close_notify": Asio's
// stream_truncated and OpenSSL 3's "unexpected eof while reading".
bool is_tls_truncation(const boost::system::error_code& ec);

} // namespace pms::net::detail
