// Plugin secrets (API tokens, keys) are kept encrypted at rest, so that a copy of the database —
// a backup, a support bundle, a stolen disk image without the key file — does not hand out the
// hotel's InvoiceBox credentials. This unit is the only place that knows the cryptography and the
// key file; it knows nothing of SQLite, so another backend can seal its secrets the same way.
//
// A sealed value is `pms-sb1:` ‖ nonce (24 bytes) ‖ crypto_secretbox_easy(plaintext) (a 16-byte
// Poly1305 tag, then the XSalsa20 ciphertext). It is sealed under a subkey derived from the
// master key and the slot the value belongs to (plugin, property, legal entity, secret name), so
// a value copied into another slot fails authentication instead of decrypting there.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pms::host {

/// Where a secret value lives; the identity a sealed value is bound to.
struct SecretSlot {
    std::string_view plugin_id;
    std::int64_t property_id = 0;
    std::int64_t legal_entity_id = 0; ///< 0 for the property level
    std::string_view key;             ///< the secret's name ("apiToken"), never its value
};

/// A master key and the seal/open operations under it. Immutable after construction and safe
/// to share between threads. The key bytes are wiped when the box is destroyed.
class SecretBox {
  public:
    static constexpr std::string_view prefix = "pms-sb1:";
    /// Every format version starts with this; a value that does not is legacy plain text.
    static constexpr std::string_view family_prefix = "pms-sb";
    static constexpr std::size_t key_size = 32;

    /// Reads the key file. nullopt when it does not exist. Throws StorageError when it exists but
    /// cannot be trusted: not a regular file, not owned by this user, readable or writable by
    /// group or others (`io`), or not exactly 32 bytes (`corrupt`). Never repairs or replaces it.
    [[nodiscard]] static std::optional<SecretBox> load_key_file(const std::filesystem::path& file);

    /// Creates a new random key file (mode 0600, written to a temporary file, fsynced and renamed
    /// into place without replacing anything) and returns its box. If another opener created the
    /// file first, that key is loaded and returned instead, so concurrent first opens agree.
    [[nodiscard]] static SecretBox create_key_file(const std::filesystem::path& file);

    SecretBox(const SecretBox& other) noexcept;
    SecretBox& operator=(const SecretBox& other) noexcept;
    ~SecretBox();

    /// True when `stored` is in one of our sealed formats (any version), false for plain text.
    [[nodiscard]] static bool is_sealed(std::string_view stored) noexcept;

    /// Encrypts `plaintext` for `slot` with a fresh random nonce.
    [[nodiscard]] std::string seal(const SecretSlot& slot, std::string_view plaintext) const;

    /// Decrypts a value sealed for `slot`. Throws StorageError(corrupt) when the value is not in
    /// a known format, was sealed under another key or for another slot, or was altered. The
    /// message names the slot (never the value).
    [[nodiscard]] std::string open(const SecretSlot& slot, std::string_view sealed) const;

  private:
    explicit SecretBox(const unsigned char* key) noexcept;
    void derive(const SecretSlot& slot, unsigned char* subkey) const noexcept;

    std::array<unsigned char, key_size> key_{};
};

/// "secret 'apiToken' of plugin 'invoicebox' (property 1, legal entity 2)", for error messages.
[[nodiscard]] std::string describe(const SecretSlot& slot);

/// Overwrites a buffer that held a secret (a plain-text value read for re-sealing) with zeros in
/// a way the compiler cannot drop.
void wipe(std::string& bytes) noexcept;

} // namespace pms::host
