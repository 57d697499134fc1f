/*
 * test_termsafe.c - common/termsafe.h: what a terminal is shown of untrusted
 * text (control characters C0, DEL and C1, NUL bytes and bytes that are not
 * well-formed UTF-8 as '?', everything else as it is, cut at a character
 * boundary) and the UTF-8 decoder the lexer refuses policy strings with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "termsafe.h"

static const char *safe(const char *s, size_t len, size_t size)
{
    static char buf[256];
    return term_safe(buf, size, s, len);
}
#define SAFE(lit) safe(lit, sizeof lit - 1, 256)

static void test_controls(void **state)
{
    (void)state;
    assert_string_equal(SAFE("plain text, 42 % ~"), "plain text, 42 % ~");
    assert_string_equal(SAFE("\x1b]0;pwned\x07\x1b[2J"), "?]0;pwned??[2J");
    assert_string_equal(SAFE("a\tb\nc\rd\x7f"), "a?b?c?d?");
    assert_string_equal(SAFE("x\0y"), "x?y");
    /* C1: U+0085 (NEL) and U+009B (CSI) as UTF-8; U+00A0 is no control */
    assert_string_equal(SAFE("\xc2\x85\xc2\x9b" "2J\xc2\xa0"), "??2J\xc2\xa0");
    assert_string_equal(term_safe_str((char[8]){0}, 8, NULL, "?"), "?");
}

static void test_utf8(void **state)
{
    (void)state;
    /* well-formed: 2, 3 and 4 bytes, the largest code point */
    assert_string_equal(SAFE("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
                        "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    /* a stray continuation, overlong forms, a surrogate, past U+10FFFF, cut short */
    assert_string_equal(SAFE("\x80"), "?");
    assert_string_equal(SAFE("\xc0\x80"), "??");
    assert_string_equal(SAFE("\xe0\x80\xaf"), "???");
    assert_string_equal(SAFE("\xed\xa0\x80"), "???");
    assert_string_equal(SAFE("\xf4\x90\x80\x80"), "????");
    assert_string_equal(SAFE("ab\xe2\x82"), "ab??");
    assert_string_equal(SAFE("\xff\xfe"), "??");
    assert_int_equal(term_utf8_len("\xe2\x82\xac", 3), 3);
    assert_int_equal(term_utf8_len("\xe2\x82\xac", 2), 0);
    assert_int_equal(term_utf8_len("A", 1), 1);
    assert_int_equal(term_utf8_len("\xf0\x9f\x98\x80", 4), 4);
}

static void test_cut(void **state)
{
    (void)state;
    /* what does not fit is cut whole characters at a time, always terminated */
    assert_string_equal(safe("abcdef", 6, 4), "abc");
    assert_string_equal(safe("a\xe2\x82\xac", 4, 4), "a");
    assert_string_equal(safe("a\xe2\x82\xac", 4, 5), "a\xe2\x82\xac");
    assert_string_equal(safe("\x1b\x1b\x1b", 3, 3), "??");
    assert_string_equal(safe("abc", 3, 1), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
