# ctest's `python` test: installs the module with the documented command (into a scratch
# prefix instead of /usr/local) and runs pytest against exactly what was installed.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component python --prefix ${PREFIX}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --component python failed")
endif()
set(ENV{PYTHONPATH} ${PREFIX}/${SITE})
set(ENV{PYTHONDONTWRITEBYTECODE} 1)  # no __pycache__ in the source tree
set(ENV{SYNCDSP_PYTHON_EXPECT_DIR} ${PREFIX}/${SITE}/syncdsp)
execute_process(COMMAND ${PYTHON} -m pytest -q -p no:cacheprovider ${SOURCE_DIR}/tests/python
                WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pytest failed (exit ${rc})")
endif()
