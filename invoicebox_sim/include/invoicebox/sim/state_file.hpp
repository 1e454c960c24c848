// Where `--state FILE` keeps the simulator's state across restarts: a snapshot (FILE, replaced as
// FILE.tmp + fsync + rename) and a journal (FILE.journal) of the changes made since, one line per
// change, appended and fdatasync'ed before the answer that made the change goes out.
//
// Why a journal: rewriting every order at every change made the cost of a request grow with the
// number of orders (a chaos run with a thousand orders spent its time re-serialising a few MB
// under the engine's lock, and a control request waited 40 s). An append costs the same at any
// size; the journal is folded into a new snapshot once it outgrows the snapshot, so the total
// work stays proportional to the changes.
//
// This class moves bytes; what a line means is the engine's business. Each snapshot gets a new
// generation number and each journal line carries the generation it belongs to, so lines left
// behind by a crash between a new snapshot's rename and the journal's truncation are recognised
// as older and skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace invoicebox::sim {

class StateFile {
  public:
    explicit StateFile(std::string path);
    ~StateFile();
    StateFile(const StateFile&) = delete;
    StateFile& operator=(const StateFile&) = delete;

    struct Contents {
        std::optional<std::string> snapshot; // nullopt: no snapshot yet
        std::vector<std::string> journal;    // complete lines, without '\n'; a torn last line is dropped
    };
    // Reads both files. An error message when a file exists but cannot be read.
    std::optional<std::string> read(Contents& out) const;

    // Replaces the snapshot with `text` durably, then empties the journal.
    std::optional<std::string> write_snapshot(const std::string& text);

    // Appends `line` (no newline inside) durably.
    std::optional<std::string> append(const std::string& line);

    // True when the journal has outgrown the snapshot (folding it in is due).
    bool journal_outgrown() const noexcept;

    const std::string& path() const noexcept { return path_; }

  private:
    std::optional<std::string> open_journal();

    std::string path_;
    std::string journal_path_;
    int journal_fd_ = -1;
    std::size_t snapshot_bytes_ = 0;
    std::size_t journal_bytes_ = 0;
};

} // namespace invoicebox::sim
