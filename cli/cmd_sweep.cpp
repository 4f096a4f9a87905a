// goodhart sweep: placeholder until its issue lands; --help is real.
#include <boost/program_options.hpp>
#include <iostream>

#include "commands.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

int cmd_sweep(int argc, char** argv) {
  po::options_description opts("goodhart sweep options");
  opts.add_options()("help,h", "show this help");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).allow_unregistered().run(), vm);
  if (vm.count("help")) {
    std::cout << "Usage: goodhart sweep [options]\n\n" << opts << "\n";
    return kExitOk;
  }
  std::cerr << "goodhart sweep: not yet implemented\n";
  return kExitBadInput;
}

}  // namespace goodhart::cli
