# The fuzz targets, shared by the libFuzzer build (fuzz/CMakeLists.txt) and the corpus replay
# in CTest (tests/fuzz_replay.cmake). Each entry is "name|source|format"; a target's seed
# corpus is fuzz/corpus/<name>/ and its crash reproducers fuzz/regressions/<name>/.
#
# A new export reader is one more word in GOODHART_FUZZ_INGEST_FORMATS (its --format
# spelling), plus seed files in fuzz/corpus/ingest_<format, dashes as underscores>/.
set(GOODHART_FUZZ_INGEST_FORMATS
  claude-code anthropic-usage anthropic-cost openai-usage openai-costs
  litellm-spend-logs litellm-daily canonical
  detect)  # no --format: content detection chooses the reader
set(GOODHART_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})

function(goodhart_fuzz_target_list out)
  set(entries
    "scenario|fuzz_scenario.cpp|"
    "policy|fuzz_policy.cpp|"
    "pricing|fuzz_pricing.cpp|"
    "identity_map|fuzz_identity_map.cpp|"
    "audit|fuzz_audit.cpp|")
  foreach(format IN LISTS GOODHART_FUZZ_INGEST_FORMATS)
    string(REPLACE "-" "_" name "${format}")
    list(APPEND entries "ingest_${name}|fuzz_ingest.cpp|${format}")
  endforeach()
  set(${out} "${entries}" PARENT_SCOPE)
endfunction()

# goodhart_fuzz_entry(<entry> <name-var> <source-var> <format-var>)
function(goodhart_fuzz_entry entry name_var source_var format_var)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 source)
  list(LENGTH parts n)
  set(format "")
  if(n GREATER 2)
    list(GET parts 2 format)
  endif()
  set(${name_var} "${name}" PARENT_SCOPE)
  set(${source_var} "${GOODHART_FUZZ_DIR}/${source}" PARENT_SCOPE)
  set(${format_var} "${format}" PARENT_SCOPE)
endfunction()

# goodhart_fuzz_executable(<target> <entry> [more sources...])
function(goodhart_fuzz_executable target entry)
  goodhart_fuzz_entry("${entry}" name source format)
  add_executable(${target} ${source} ${ARGN})
  target_include_directories(${target} PRIVATE ${GOODHART_FUZZ_DIR})
  target_link_libraries(${target} PRIVATE goodhart_sim goodhart_engine goodhart_warnings)
  target_compile_definitions(${target} PRIVATE GOODHART_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(format)
    target_compile_definitions(${target} PRIVATE GOODHART_FUZZ_FORMAT="${format}")
  endif()
endfunction()
