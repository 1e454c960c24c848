// See secret_box.hpp. libsodium does the cryptography: crypto_secretbox (XSalsa20-Poly1305) for
// the values, keyed BLAKE2b (crypto_generichash) to derive a per-slot subkey from the master key.
#include "secret_box.hpp"
#include "os_text.hpp"

#include "pms/host/storage/errors.hpp"

#include <sodium.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pms::host {

static_assert(SecretBox::key_size == crypto_secretbox_KEYBYTES);
static_assert(SecretBox::key_size == crypto_generichash_KEYBYTES);

namespace {

constexpr std::size_t nonce_size = crypto_secretbox_NONCEBYTES;
constexpr std::size_t mac_size = crypto_secretbox_MACBYTES;

/// sodium_init() once per process; it picks the fastest implementations and seeds randombytes.
void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready)
        throw StorageError{StorageErrc::internal, "libsodium could not be initialised"};
}

using detail::errno_text;
using detail::octal_mode;

/// Closes a descriptor on every path out of a function.
class Fd {
  public:
    explicit Fd(int fd) noexcept : fd_{fd} {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    [[nodiscard]] int get() const noexcept { return fd_; }
    /// Closes now, reporting the error (close after write can report a delayed write failure).
    int close() noexcept {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

  private:
    int fd_;
};

/// Wipes a buffer holding key material when it goes out of scope.
template <std::size_t N>
struct WipedBytes {
    std::array<unsigned char, N> bytes{};
    WipedBytes() = default;
    WipedBytes(const WipedBytes&) = delete;
    WipedBytes& operator=(const WipedBytes&) = delete;
    ~WipedBytes() { sodium_memzero(bytes.data(), bytes.size()); }
    unsigned char* data() noexcept { return bytes.data(); }
};

void append_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void append_field(std::string& out, std::string_view field) {
    append_u64(out, field.size()); // length first, so ("ab","c") and ("a","bc") differ
    out.append(field);
}

/// fsync of the folder that holds `file`, so that a rename into it survives a power cut.
void sync_parent(const std::filesystem::path& file) {
    auto dir = file.parent_path();
    if (dir.empty())
        dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; // best effort: the key is already in place and readable
    ::fsync(fd);
    ::close(fd);
}

/// Moves `from` to `to` unless `to` exists. false when it does (another opener won the race).
bool rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return true;
    int e = errno;
    if (e == EINVAL || e == ENOSYS) {
        // A file system without RENAME_NOREPLACE: link() also refuses to replace.
        if (::link(from.c_str(), to.c_str()) == 0) {
            ::unlink(from.c_str());
            return true;
        }
        e = errno;
    }
    if (e == EEXIST)
        return false;
    throw StorageError{StorageErrc::io, "secret key file " + to.string() +
                                            ": cannot move it into place: " + errno_text(e)};
}

} // namespace

// --- the key file --------------------------------------------------------------------------------

std::optional<SecretBox> SecretBox::load_key_file(const std::filesystem::path& file) {
    ensure_sodium();
    const std::string name = "secret key file " + file.string();
    Fd fd{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (fd.get() < 0) {
        if (errno == ENOENT)
            return std::nullopt;
        throw StorageError{StorageErrc::io, name + ": cannot open: " + errno_text(errno)};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw StorageError{StorageErrc::io, name + ": cannot stat: " + errno_text(errno)};
    if (!S_ISREG(st.st_mode))
        throw StorageError{StorageErrc::io, name + " is not a regular file"};
    // Refused rather than repaired: a key that others could read may already be copied, and a
    // key someone else owns may be swapped by them. The admin decides; we never rewrite it.
    if (st.st_uid != ::geteuid())
        throw StorageError{StorageErrc::io, name + " belongs to uid " + std::to_string(st.st_uid) +
                                                ", not to the user the host runs as (uid " +
                                                std::to_string(::geteuid()) +
                                                "); refusing to use it"};
    if ((st.st_mode & 077) != 0)
        throw StorageError{StorageErrc::io,
                           name + " has mode " + octal_mode(st.st_mode) +
                               ", open to group or others; refusing to use it. Run `chmod 600 " +
                               file.string() + "` if no one else has read it"};
    if (st.st_size != static_cast<off_t>(key_size))
        throw StorageError{StorageErrc::corrupt,
                           name + " has " + std::to_string(st.st_size) + " bytes, expected " +
                               std::to_string(key_size) +
                               "; it is not a key this host wrote (restore it from the backup "
                               "taken with the database)"};
    WipedBytes<key_size + 1> buffer; // one spare byte to notice a file that grew meanwhile
    std::size_t got = 0;
    while (got < buffer.bytes.size()) {
        const auto n = ::read(fd.get(), buffer.data() + got, buffer.bytes.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw StorageError{StorageErrc::io, name + ": cannot read: " + errno_text(errno)};
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    if (got != key_size)
        throw StorageError{StorageErrc::corrupt, name + " changed size while being read"};
    return SecretBox{buffer.data()};
}

SecretBox SecretBox::create_key_file(const std::filesystem::path& file) {
    ensure_sodium();
    const std::string name = "secret key file " + file.string();
    WipedBytes<key_size> key;
    crypto_secretbox_keygen(key.data());

    // A unique temporary name beside the target, created exclusively with owner-only access.
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    auto temp = file;
    temp += std::string{".tmp-"} + hex;

    Fd fd{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (fd.get() < 0)
        throw StorageError{StorageErrc::io,
                           name + ": cannot create " + temp.string() + ": " + errno_text(errno)};
    bool placed = false;
    struct RemoveTemp {
        const std::filesystem::path& temp;
        const bool& placed;
        ~RemoveTemp() {
            if (!placed)
                ::unlink(temp.c_str());
        }
    } remove_temp{temp, placed};

    // The creation mode went through the umask; fchmod sets exactly 0600 whatever it was.
    if (::fchmod(fd.get(), 0600) != 0)
        throw StorageError{StorageErrc::io, name + ": cannot chmod: " + errno_text(errno)};
    std::size_t written = 0;
    while (written < key_size) {
        const auto n = ::write(fd.get(), key.data() + written, key_size - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw StorageError{StorageErrc::io, name + ": cannot write: " + errno_text(errno)};
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.close() != 0)
        throw StorageError{StorageErrc::io, name + ": cannot sync: " + errno_text(errno)};

    if (!rename_no_replace(temp, file)) {
        // Another opener created the key first; everyone must use that one.
        if (auto existing = load_key_file(file))
            return *existing;
        throw StorageError{StorageErrc::io, name + " exists but cannot be opened"};
    }
    placed = true;
    sync_parent(file);
    return SecretBox{key.data()};
}

// --- the box -------------------------------------------------------------------------------------

SecretBox::SecretBox(const unsigned char* key) noexcept {
    std::memcpy(key_.data(), key, key_size);
}

SecretBox::SecretBox(const SecretBox& other) noexcept : key_{other.key_} {}

SecretBox& SecretBox::operator=(const SecretBox& other) noexcept {
    key_ = other.key_;
    return *this;
}

SecretBox::~SecretBox() {
    sodium_memzero(key_.data(), key_.size());
}

bool SecretBox::is_sealed(std::string_view stored) noexcept {
    return stored.substr(0, family_prefix.size()) == family_prefix;
}

void SecretBox::derive(const SecretSlot& slot, unsigned char* subkey) const noexcept {
    // The format version is part of the input, so a later format never shares subkeys with this.
    std::string input{"pms-sb1 secret slot"};
    input.push_back('\0');
    append_field(input, slot.plugin_id);
    append_u64(input, static_cast<std::uint64_t>(slot.property_id));
    append_u64(input, static_cast<std::uint64_t>(slot.legal_entity_id));
    append_field(input, slot.key);
    crypto_generichash(subkey, key_size, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), key_.data(), key_.size());
}

std::string SecretBox::seal(const SecretSlot& slot, std::string_view plaintext) const {
    std::string out(prefix.size() + nonce_size + mac_size + plaintext.size(), '\0');
    std::memcpy(out.data(), prefix.data(), prefix.size());
    auto* nonce = reinterpret_cast<unsigned char*>(out.data()) + prefix.size();
    // A random 24-byte nonce per value: far too large to ever repeat by chance.
    randombytes_buf(nonce, nonce_size);
    static const unsigned char nothing = 0;
    const auto* message =
        plaintext.empty() ? &nothing : reinterpret_cast<const unsigned char*>(plaintext.data());
    WipedBytes<key_size> subkey;
    derive(slot, subkey.data());
    if (crypto_secretbox_easy(nonce + nonce_size, message, plaintext.size(), nonce,
                              subkey.data()) != 0)
        throw StorageError{StorageErrc::internal, describe(slot) + ": encryption failed"};
    return out;
}

std::string SecretBox::open(const SecretSlot& slot, std::string_view sealed) const {
    if (sealed.substr(0, prefix.size()) != prefix)
        throw StorageError{StorageErrc::corrupt,
                           describe(slot) + (is_sealed(sealed)
                                                 ? " is sealed in a format this host does not "
                                                   "know (written by a newer version?)"
                                                 : " is not sealed")};
    if (sealed.size() < prefix.size() + nonce_size + mac_size)
        throw StorageError{StorageErrc::corrupt, describe(slot) + " is truncated"};
    const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data()) + prefix.size();
    const auto* boxed = nonce + nonce_size;
    const std::size_t boxed_size = sealed.size() - prefix.size() - nonce_size;
    std::string plain(boxed_size - mac_size, '\0');
    static unsigned char scratch = 0; // a valid pointer for an empty plaintext
    auto* out = plain.empty() ? &scratch : reinterpret_cast<unsigned char*>(plain.data());
    WipedBytes<key_size> subkey;
    derive(slot, subkey.data());
    if (crypto_secretbox_open_easy(out, boxed, boxed_size, nonce, subkey.data()) != 0) {
        sodium_memzero(plain.data(), plain.size());
        throw StorageError{StorageErrc::corrupt,
                           describe(slot) +
                               " cannot be decrypted: it was sealed under another secret.key, "
                               "belongs to another slot, or was altered"};
    }
    return plain;
}

std::string describe(const SecretSlot& slot) {
    std::string out = "secret '";
    out.append(slot.key);
    out += "' of plugin '";
    out.append(slot.plugin_id);
    out += "' (property " + std::to_string(slot.property_id);
    if (slot.legal_entity_id != 0)
        out += ", legal entity " + std::to_string(slot.legal_entity_id);
    return out + ")";
}

void wipe(std::string& bytes) noexcept {
    sodium_memzero(bytes.data(), bytes.size());
}

} // namespace pms::host
