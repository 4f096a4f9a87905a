# Python side in CTest: the pytest suite, and every notebook executed top to bottom (a cell that
# raises fails its test). Included by tests/CMakeLists.txt when GOODHART_BUILD_PYTHON is on.
if(GOODHART_SANITIZE)
  # An ASan-instrumented _core cannot be loaded by a plain interpreter without preloading the
  # ASan runtime; the Python suite runs in the dev and release builds instead.
  message(STATUS "goodhart: Python tests skipped in sanitizer builds")
  return()
endif()

set(_py_env
  "PYTHONPATH=${GOODHART_PYTHON_DIR}"
  "GOODHART_CLI=$<TARGET_FILE:goodhart>"
  "PYTHONDONTWRITEBYTECODE=1"
  "MPLBACKEND=Agg")

add_test(NAME "python: pytest"
  COMMAND ${GOODHART_PYTHON} -m pytest ${CMAKE_CURRENT_LIST_DIR} -q -p no:cacheprovider
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties("python: pytest" PROPERTIES ENVIRONMENT "${_py_env}" TIMEOUT 900)

file(GLOB _notebooks CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/notebooks/*.ipynb)
foreach(nb IN LISTS _notebooks)
  get_filename_component(_name ${nb} NAME_WE)
  add_test(NAME "notebook: ${_name}"
    COMMAND ${GOODHART_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/run-notebook ${nb}
            --python-path ${GOODHART_PYTHON_DIR} --timeout 600
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # Notebooks share the machine with the rest of the suite; each should take well under 60 s.
  set_tests_properties("notebook: ${_name}" PROPERTIES ENVIRONMENT "${_py_env}" TIMEOUT 600)
endforeach()
