// What goodhart audit and goodhart replay share: the options that say how to read usage
// exports (--map, --input-format, --pricing, --strict, the export paths) and the reading.
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <string>

#include "goodhart/engine/ingest.hpp"

namespace goodhart::cli {

// Adds --map, --input-format, --pricing and --strict to `visible`, the positional export
// paths ("inputs") to `hidden`.
void add_export_options(boost::program_options::options_description& visible,
                        boost::program_options::options_description& hidden);

// Reads the exports named on the command line with the pricing catalog and identity map the
// options give (ingest.format may already be set). An InputError when records were read and
// none could be accepted: there is nothing to `command` then.
engine::UsageDataset read_exports(const boost::program_options::variables_map& vm, engine::IngestOptions ingest,
                                  const std::string& command);

// "N of M records rejected" and the first five, with their places; nothing when none were.
void print_rejections(std::ostream& err, const engine::IngestReport& report);

// --strict and some record was rejected: prints them and that nothing was written; the
// command then exits 2.
bool refused_by_strict(const boost::program_options::variables_map& vm, const engine::IngestReport& report,
                       const std::string& command);

}  // namespace goodhart::cli
