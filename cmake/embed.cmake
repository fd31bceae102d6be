# skamp_embed_text(<input> <output.cpp> <symbol>): turns a text file into a C++
# source defining `extern const char <symbol>[]` and `<symbol>_size`, regenerated
# whenever the input changes.
function(skamp_embed_text input output symbol)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
