// syncdsp/io/input_list.hpp - the files a batch works on: files, directories searched recursively
// by extension, and list files (one path a line), put in a deterministic order and sharded.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::io {

/// One input file and the name it has under the directory it was found in (its file name when it
/// was named directly): e.g. where a corrected copy goes.
struct input_file {
    std::string path;
    std::string relative;
    bool operator==(const input_file& o) const { return path == o.path; }
};

/// Which inputs a directory contributes, and how list files are read.
struct InputListOptions {
    std::vector<std::string> extensions;  ///< lower case with the dot; a directory gives files with these
    bool follow_symlinks = true;

    /// The containers syncdsp reads: .mp4 .m4v .mov .mkv .webm .avi .ts .mpg .mpeg .flv
    static InputListOptions videos() {
        InputListOptions o;
        o.extensions = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mpg", ".mpeg", ".flv"};
        return o;
    }
    void validate() const {
        SYNCDSP_REQUIRE(!extensions.empty(), "input_list", "at least one extension is needed");
        for (const auto& e : extensions)
            SYNCDSP_REQUIRE(e.size() > 1 && e[0] == '.', "input_list", "extension '", e, "' must start with a dot");
    }
    std::string to_string() const {
        std::string s = "InputListOptions{extensions=";
        for (const auto& e : extensions) s += e + " ";
        return s + "}";
    }
};

namespace input_list_impl {

inline std::string lower_ext(const std::filesystem::path& p) {
    std::string e = p.extension().string();
    for (auto& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

inline void read_list(std::istream& in, const std::string& name, std::vector<std::string>& out) {
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        out.push_back(line);
    }
    if (in.bad()) detail::throw_io_error("input_list", "cannot read the list '", name, "'");
}

}  // namespace input_list_impl

/// Expands batch inputs: a directory gives its files with a listed extension (recursively), "-"
/// reads paths from `list_stream` (standard input), "@FILE" reads paths from FILE (one a line,
/// blank lines and #comments skipped; a listed directory is expanded too); any other argument is a
/// file, taken as it is even when missing (its error belongs to that file). The result is sorted
/// by path with duplicates removed, so every run and every shard sees the same order.
inline std::vector<input_file> list_inputs(const std::vector<std::string>& args,
                                           const InputListOptions& opt = InputListOptions::videos(),
                                           std::istream& list_stream = std::cin) {
    namespace fs = std::filesystem;
    opt.validate();
    std::vector<std::string> names;
    for (const auto& a : args) {
        if (a == "-") {
            input_list_impl::read_list(list_stream, "standard input", names);
        } else if (a.size() > 1 && a[0] == '@') {
            std::ifstream f(a.substr(1));
            if (!f) detail::throw_io_error("input_list", "cannot open the list '", a.substr(1), "': ", std::strerror(errno));
            input_list_impl::read_list(f, a.substr(1), names);
        } else {
            names.push_back(a);
        }
    }
    std::vector<input_file> files;
    for (const auto& n : names) {
        std::error_code ec;
        if (!fs::is_directory(n, ec)) {
            files.push_back({n, fs::path(n).filename().string()});
            continue;
        }
        const auto flags = opt.follow_symlinks ? fs::directory_options::follow_directory_symlink
                                               : fs::directory_options::none;
        fs::recursive_directory_iterator it(n, flags | fs::directory_options::skip_permission_denied, ec), end;
        if (ec) detail::throw_io_error("input_list", "cannot list the directory '", n, "': ", ec.message());
        for (; it != end; it.increment(ec)) {
            if (ec) detail::throw_io_error("input_list", "cannot list the directory '", n, "': ", ec.message());
            if (!it->is_regular_file(ec)) continue;
            const std::string ext = input_list_impl::lower_ext(it->path());
            if (std::find(opt.extensions.begin(), opt.extensions.end(), ext) == opt.extensions.end()) continue;
            files.push_back({it->path().string(), it->path().lexically_relative(n).string()});
        }
    }
    std::stable_sort(files.begin(), files.end(), [](const input_file& a, const input_file& b) { return a.path < b.path; });
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

/// A shard "K/N" of a list: shard K (0 <= K < N) holds the items at positions i with i % N == K.
struct shard_spec {
    std::size_t index = 0, count = 1;

    /// "K/N" (e.g. "3/16"); invalid_argument (id invalid_argument.shard) otherwise.
    static shard_spec parse(const std::string& text) {
        shard_spec s;
        const auto slash = text.find('/');
        auto number = [&](const std::string& t) {
            if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
                detail::throw_invalid_argument("shard", "a shard is K/N with whole numbers 0 <= K < N, got '", text, "'");
            return std::size_t(std::stoul(t));
        };
        if (slash == std::string::npos)
            detail::throw_invalid_argument("shard", "a shard is K/N with whole numbers 0 <= K < N, got '", text, "'");
        s.index = number(text.substr(0, slash));
        s.count = number(text.substr(slash + 1));
        s.validate();
        return s;
    }
    void validate() const {
        if (count == 0 || index >= count)
            detail::throw_invalid_argument("shard", "a shard is K/N with 0 <= K < N, got ", index, "/", count);
    }
    std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
};

/// The items of shard `s` of `items`, in their order. The N shards together hold every item once.
template <class T>
std::vector<T> take_shard(const std::vector<T>& items, const shard_spec& s) {
    s.validate();
    std::vector<T> out;
    for (std::size_t i = s.index; i < items.size(); i += s.count) out.push_back(items[i]);
    return out;
}

}  // namespace syncdsp::io
