# CTest replays each fuzz target's seed corpus and crash reproducers (fuzz-replay-<name>)
# through a plain executable, so any compiler and the sanitizer build check them without
# libFuzzer. Included at the end of tests/CMakeLists.txt.
include(${CMAKE_CURRENT_LIST_DIR}/../fuzz/targets.cmake)

goodhart_fuzz_target_list(_fuzz_entries)
foreach(entry IN LISTS _fuzz_entries)
  goodhart_fuzz_entry("${entry}" name source format)
  set(_corpus ${GOODHART_FUZZ_DIR}/corpus/${name})
  if(NOT IS_DIRECTORY ${_corpus})
    message(WARNING "fuzz target '${name}' has no seed corpus in ${_corpus}: add real-looking inputs")
    continue()
  endif()
  goodhart_fuzz_executable(fuzz_replay_${name} "${entry}" ${GOODHART_FUZZ_DIR}/replay_main.cpp)
  set(_inputs ${_corpus})
  if(IS_DIRECTORY ${GOODHART_FUZZ_DIR}/regressions/${name})
    list(APPEND _inputs ${GOODHART_FUZZ_DIR}/regressions/${name})
  endif()
  add_test(NAME fuzz-replay-${name} COMMAND fuzz_replay_${name} ${_inputs})
  set_tests_properties(fuzz-replay-${name} PROPERTIES TIMEOUT 300 LABELS fuzz)
endforeach()

