/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_text.c — reading str objects during the walk without
 * disturbing them: UTF-8 of a prefix straight from the compact
 * representation (PyUnicode_AsUTF8 would allocate and cache a UTF-8 copy on
 * the object, changing its size), and the identifier test behind the
 * dict-key label policy. See docs/python.md#privacy.
 */
#include "hspy.h"

static size_t put_cp(char *b, Py_UCS4 c)
{
    if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
    if (c < 0x80) {
        b[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (c >> 18));
    b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    b[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t hspy_utf8(PyObject *s, size_t maxchars, char *buf, size_t cap, int *truncated)
{
    *truncated = 0;
    if (!PyUnicode_Check(s) || !PyUnicode_IS_READY(s)) { /* a legacy string not yet ready: never made ready here */
        buf[0] = 0;
        return 0;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    size_t n = (size_t)len;
    if (n > maxchars) {
        n = maxchars;
        *truncated = 1;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++) o += put_cp(buf + o, PyUnicode_READ(kind, data, (Py_ssize_t)i));
    buf[o] = 0;
    return o;
}

int hspy_is_identifier(PyObject *s)
{
    if (!PyUnicode_Check(s) || !PyUnicode_IS_READY(s) || !PyUnicode_IS_ASCII(s)) return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n == 0 || n > HSPY_LABEL_MAX) return 0;
    const unsigned char *p = PyUnicode_1BYTE_DATA(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}
