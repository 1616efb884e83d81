# Fails when a source of the explorer (widgets/, app/explorer/) reaches a torch header, directly
# or through the core headers it includes. Only the torch-free core headers are allowed there:
# core/data/*.h, core/pipeline/default_network.h, core/pipeline/engine_info.h,
# core/pipeline/niwt_session.h, core/pipeline/gzsl_evaluation.h, core/pipeline/explainer.h, core/pipeline/heatmap.h (OpenCV only),
# core/pipeline/engine_context.h, core/pipeline/network_check.h, core/io/progress_meter.h, core/engine/cancelled.h and
# core/engine/alpha2w_space.h. Run as: cmake -DROOT=<source dir> -P check_torch_free.cmake
cmake_minimum_required(VERSION 3.20)
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<source dir>")
endif()

set(allowed_core_regex "^core/(data/[^/]+\\.h|pipeline/default_network\\.h|pipeline/engine_info\\.h|pipeline/niwt_session\\.h|pipeline/gzsl_evaluation\\.h|pipeline/explainer\\.h|pipeline/heatmap\\.h|pipeline/engine_context\\.h|pipeline/network_check\\.h|io/progress_meter\\.h|engine/cancelled\\.h|engine/alpha2w_space\\.h)$")
set(torch_regex "^(torch|ATen|c10|caffe2)/")

file(GLOB sources ${ROOT}/widgets/*.h ${ROOT}/widgets/*.cpp ${ROOT}/app/explorer/*.h ${ROOT}/app/explorer/*.cpp)
set(failures "")
set(queue ${sources})
set(seen "")
while(queue)
  list(POP_FRONT queue file)
  if(file IN_LIST seen)
    continue()
  endif()
  list(APPEND seen ${file})
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*$" "\\1" header "${line}")
    file(RELATIVE_PATH where ${ROOT} ${file})
    if(header MATCHES "${torch_regex}")
      string(APPEND failures "  ${where}: includes <${header}>\n")
    elseif(header MATCHES "^core/")
      if(where MATCHES "^(widgets|app/explorer)/" AND NOT header MATCHES "${allowed_core_regex}")
        string(APPEND failures "  ${where}: includes \"${header}\", which is not a torch-free core header\n")
      elseif(EXISTS ${ROOT}/${header})
        list(APPEND queue ${ROOT}/${header})  # follow core headers: they must be torch-free too
      endif()
    endif()
  endforeach()
endwhile()

list(LENGTH sources count)
if(failures)
  message(FATAL_ERROR "torch headers reachable from the explorer:\n${failures}")
endif()
message(STATUS "checked ${count} explorer sources and the core headers they include: torch-free")
