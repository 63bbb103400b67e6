// apps/main.cpp - entry point of the `syncdsp` command-line program: dispatches to sub-commands.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "syncdsp/nn/models/faceapi_weights.hpp"

namespace {

void print_help() {
    std::cout << "syncdsp - find and fix audio-video desynchronisation in videos of people speaking\n\n"
                 "usage: syncdsp COMMAND [options]   (syncdsp COMMAND --help for a command's options)\n\n"
                 "commands:\n";
    for (const auto& [name, cmd] : syncdsp::cli::registry())
        std::cout << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
                  << cmd.summary << "\n";
    std::cout << "\nSign convention: offset_ms > 0 means the audio is late (heard after the lips move).\n";
}

}  // namespace

int main(int argc, char** argv) {
    // Where `cmake --install` put the face models (apps/CMakeLists.txt), searched last.
    syncdsp::nn::faceapi_fallback_model_dirs().push_back(SYNCDSP_MODELS_DIR);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::cout << "syncdsp 0.1.0\n";
        return 0;
    }
    const auto it = syncdsp::cli::registry().find(args[0]);
    if (it == syncdsp::cli::registry().end()) {
        std::cerr << "syncdsp: unknown command '" << args[0] << "' (see syncdsp --help)\n";
        return 2;
    }
    try {
        return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const syncdsp::cli::usage_error& e) {
        std::cerr << "syncdsp " << args[0] << ": " << e.what() << " (see syncdsp " << args[0]
                  << " --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "syncdsp " << args[0] << ": " << e.what() << "\n";
        return 1;
    }
}
