// apps/cli.hpp - the small command framework of the `syncdsp` program.
//
// Each sub-command lives in its own apps/cmd_*.cpp and registers itself with a static
// `command_registration`, so adding a command never touches main.cpp.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::cli {

/// A sub-command: `run` gets the arguments after the command name and returns the exit code.
struct command {
    std::string summary;  ///< one line for `syncdsp --help`
    std::function<int(const std::vector<std::string>&)> run;
};

inline std::map<std::string, command>& registry() {
    static std::map<std::string, command> commands;
    return commands;
}

struct command_registration {
    command_registration(const std::string& name, std::string summary,
                         std::function<int(const std::vector<std::string>&)> run) {
        registry()[name] = command{std::move(summary), std::move(run)};
    }
};

/// Thrown for bad command-line usage; main prints it with a hint to --help and exits 2.
class usage_error : public syncdsp::error {
public:
    explicit usage_error(const std::string& what) : error("usage", what) {}
};

/// A minimal, strict argument parser: declared options only, `--name value` or `--name=value`,
/// flags without values, positionals in order. Unknown options are usage errors.
class arguments {
public:
    arguments(const std::vector<std::string>& args, const std::vector<std::string>& value_options,
              const std::vector<std::string>& flag_options) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
                std::string name = a, value;
                bool has_value = false;
                const auto eq = a.find('=');
                if (eq != std::string::npos) {
                    name = a.substr(0, eq);
                    value = a.substr(eq + 1);
                    has_value = true;
                }
                if (contains(flag_options, name)) {
                    if (has_value) throw usage_error("option " + name + " takes no value");
                    flags_.push_back(name);
                } else if (contains(value_options, name)) {
                    if (!has_value) {
                        if (i + 1 >= args.size()) throw usage_error("option " + name + " needs a value");
                        value = args[++i];
                    }
                    values_[name] = value;
                } else {
                    throw usage_error("unknown option " + name);
                }
            } else {
                positional_.push_back(a);
            }
        }
    }

    bool flag(const std::string& name) const { return contains(flags_, name); }
    std::optional<std::string> value(const std::string& name) const {
        auto it = values_.find(name);
        if (it == values_.end()) return std::nullopt;
        return it->second;
    }
    std::string value_or(const std::string& name, const std::string& fallback) const {
        auto v = value(name);
        return v ? *v : fallback;
    }
    double number_or(const std::string& name, double fallback) const {
        auto v = value(name);
        if (!v) return fallback;
        return parse_number(name, *v);
    }
    const std::vector<std::string>& positional() const { return positional_; }

    static double parse_number(const std::string& name, const std::string& text) {
        char* end = nullptr;
        const double x = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size())
            throw usage_error("option " + name + " expects a number, got '" + text + "'");
        // strtod takes "nan", "inf" and overflows like 1e999 to inf; no option means those.
        if (!std::isfinite(x)) throw usage_error("option " + name + " expects a finite number, got '" + text + "'");
        return x;
    }

private:
    static bool contains(const std::vector<std::string>& v, const std::string& s) {
        for (const auto& x : v)
            if (x == s) return true;
        return false;
    }
    std::vector<std::string> flags_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

/// --tiles auto|on|off (sync, faces): whether the face detector also runs on tiles of big frames
/// (nn::FaceTileOptions::standard(), ::always(), ::off()).
enum class tiles_mode { automatic, on, off };
inline tiles_mode parse_tiles(const std::string& v) {
    if (v == "auto") return tiles_mode::automatic;
    if (v == "on") return tiles_mode::on;
    if (v == "off") return tiles_mode::off;
    throw usage_error("--tiles takes auto, on or off, got '" + v + "'");
}

}  // namespace syncdsp::cli
