# embed_file.cmake - turns one file into a C byte array with its exact bytes: -DIN=file -DOUT=file.c -DVAR=name
# defines `const unsigned char VAR[]` (the bytes, then a NUL not counted) and `const size_t VAR_len`.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes (80 characters) a line
string(REPEAT "0x..," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n  " bytes "${bytes}")
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT} "/* Generated from ${name} by cmake/embed_file.cmake; do not edit. */\n"
                  "#include <stddef.h>\n\n"
                  "const unsigned char ${VAR}[] = {\n  ${bytes}0x00\n};\n"
                  "const size_t ${VAR}_len = ${len};\n")
