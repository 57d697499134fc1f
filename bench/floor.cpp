/*
 * floor.cpp - the floor under `slate run`'s JSON Lines path (issue 16, item 4):
 * how fast this machine can read an events file, cut it into lines, and parse
 * every line with simdjson (Debian's libsimdjson-dev, On-Demand API), touching
 * every key and value as slate's reader must, but with no schema, no engine and
 * no output.  bench/run.sh runs it next to `slate run` and prints slate's ratio.
 *
 * Not a slate component: it checks nothing and decides nothing; it only times.
 *
 * Usage: slate-floor FILE [RUNS]   prints, per mode, the median of RUNS (5):
 *   floor split lines N secs S eps E      read(2) the file, memchr the newlines
 *   floor parse lines N secs S eps E      the same, then parse each line
 */
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr size_t CHUNK = 64 * 1024; // what slate's reader reads at a time

// The file a chunk at a time, as slate's reader reads it (read(2) of 64 KiB into
// one buffer, a line cut across two chunks moved to the front first), so the
// floor pays what slate pays for input and no more.  The buffer keeps simdjson's
// padding readable past the end of every line.
struct reader {
    int fd = -1;
    std::vector<char> buf;
    size_t pos = 0, len = 0;
    bool eof = false;
};

// The next line (without '\n') or false at the end.
bool next_line(reader &r, const char *&line, size_t &n)
{
    for (;;) {
        const char *p = r.buf.data() + r.pos;
        const void *nl = std::memchr(p, '\n', r.len - r.pos);
        if (nl) {
            line = p;
            n = (size_t)(static_cast<const char *>(nl) - p);
            r.pos += n + 1;
            return true;
        }
        if (r.eof) {
            line = p;
            n = r.len - r.pos;
            r.pos = r.len;
            return n > 0;
        }
        size_t rest = r.len - r.pos;
        std::memmove(r.buf.data(), p, rest);
        r.pos = 0;
        r.len = rest;
        if (r.len + CHUNK + simdjson::SIMDJSON_PADDING > r.buf.size())
            r.buf.resize(2 * (r.len + CHUNK + simdjson::SIMDJSON_PADDING));
        ssize_t got;
        do got = read(r.fd, r.buf.data() + r.len, CHUNK);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            std::perror("read");
            std::exit(2);
        }
        if (got == 0) r.eof = true;
        r.len += (size_t)got;
        std::memset(r.buf.data() + r.len, 0, simdjson::SIMDJSON_PADDING);
    }
}

// Every value of one flat or nested object, summed into h so nothing is skipped.
uint64_t touch(simdjson::ondemand::value v);

uint64_t touch_object(simdjson::ondemand::object o)
{
    uint64_t h = 0;
    for (auto field : o) {
        std::string_view k = field.unescaped_key().value();
        h += k.size();
        h += touch(field.value().value());
    }
    return h;
}

uint64_t touch(simdjson::ondemand::value v)
{
    switch (v.type().value()) {
    case simdjson::ondemand::json_type::string: return v.get_string().value().size();
    case simdjson::ondemand::json_type::number: {
        int64_t i;
        if (v.get_int64().get(i) == simdjson::SUCCESS) return (uint64_t)i;
        return (uint64_t)v.get_double().value();
    }
    case simdjson::ondemand::json_type::boolean: return v.get_bool().value();
    case simdjson::ondemand::json_type::object: return touch_object(v.get_object().value());
    case simdjson::ondemand::json_type::array: {
        uint64_t h = 0;
        for (auto e : v.get_array()) h += touch(e.value());
        return h;
    }
    default: return 0;
    }
}

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// One run: read, split, and (parse) parse.  Returns the non-blank lines.
uint64_t run_once(const char *path, bool parse, uint64_t &sink, uint64_t &bad)
{
    reader r;
    r.fd = open(path, O_RDONLY);
    if (r.fd < 0) {
        std::perror(path);
        std::exit(2);
    }
    r.buf.resize(2 * CHUNK + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::parser parser;
    uint64_t lines = 0;
    const char *p;
    size_t len;
    while (next_line(r, p, len)) {
        if (!len) continue;
        lines++;
        if (!parse) {
            sink += (unsigned char)p[0];
            continue;
        }
        // past the line: the rest of the buffer, at least simdjson's padding
        size_t cap = (size_t)(r.buf.data() + r.buf.size() - p);
        simdjson::ondemand::document doc;
        simdjson::ondemand::object o;
        if (parser.iterate(p, len, cap).get(doc) != simdjson::SUCCESS ||
            doc.get_object().get(o) != simdjson::SUCCESS)
            bad++;
        else
            sink += touch_object(o);
    }
    close(r.fd);
    return lines;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: slate-floor FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    if (runs < 1) runs = 1;
    uint64_t sink = 0, bad = 0;
    for (int mode = 0; mode < 2; mode++) {
        std::vector<double> secs;
        uint64_t lines = 0;
        for (int i = 0; i < runs; i++) {
            double t0 = now();
            lines = run_once(argv[1], mode == 1, sink, bad);
            secs.push_back(now() - t0);
        }
        std::sort(secs.begin(), secs.end());
        double m = secs[secs.size() / 2];
        std::printf("floor %s lines %llu secs %.4f eps %.0f\n", mode ? "parse" : "split",
                    (unsigned long long)lines, m, (double)lines / m);
    }
    if (bad) std::fprintf(stderr, "floor: %llu lines did not parse\n", (unsigned long long)bad);
    return sink == 42 ? 1 : 0; // keeps the sums alive
}
