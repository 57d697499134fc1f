/*
 * natsrv.h - a nats-server with JetStream for a unit test: started on a free
 * port of 127.0.0.1 with its store in a temporary directory, stopped (SIGTERM,
 * then SIGKILL) and its directory removed at the end.  All static; the C twin of
 * tests/cli/lib/nats.sh for one server.  It does not wait for readiness: the
 * test's sjs_connect() retries until JetStream answers, which is what it is for.
 */
#ifndef SLATE_NATSRV_H
#define SLATE_NATSRV_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct natsrv {
    pid_t pid;            /* 0: not running */
    int port;
    char dir[64];
    char url[64];
    char bin[256];
} natsrv;

/* A TCP port free on 127.0.0.1 at the moment of asking, or 0. */
static int natsrv_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) &&
        !getsockname(fd, (struct sockaddr *)&a, &len))
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* Where nats-server is (PATH, then the usual places); 0 when it is nowhere. */
static int natsrv_find(char *out, size_t n)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/usr/bin:/usr/local/bin", path ? path : "");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, n, "%s/nats-server", d);
        if (access(out, X_OK) == 0) return 1;
    }
    return 0;
}

/* Start the server; 0 on success (s->url is its client URL), -1 when
 * nats-server cannot be found or started. */
static int natsrv_start(natsrv *s)
{
    memset(s, 0, sizeof *s);
    if (!natsrv_find(s->bin, sizeof s->bin)) return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/slate-natsrv.XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    s->port = natsrv_free_port();
    char conf[128], log[128];
    snprintf(conf, sizeof conf, "%s/s.conf", s->dir);
    snprintf(log, sizeof log, "%s/s.log", s->dir);
    FILE *f = fopen(conf, "w");
    if (!f || !s->port) {
        if (f) fclose(f);
        return -1;
    }
    fprintf(f, "listen: 127.0.0.1:%d\nserver_name: unit\n"
               "jetstream { store_dir: \"%s/store\", max_memory_store: 64MB, "
               "max_file_store: 1GB }\n", s->port, s->dir);
    fclose(f);
    snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
    s->pid = fork();
    if (s->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(s->bin, "nats-server", "-c", conf, (char *)NULL);
        _exit(127);
    }
    return s->pid > 0 ? 0 : -1;
}

/* Stop it (SIGTERM; SIGKILL after 5 s) and remove its directory. */
static void natsrv_stop(natsrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status, reaped = 0;
        for (int i = 0; i < 500 && !reaped; i++) {
            reaped = waitpid(s->pid, &status, WNOHANG) == s->pid;
            if (!reaped) nanosleep(&(struct timespec){0, 10000000}, NULL);
        }
        if (!reaped) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
        }
        s->pid = 0;
    }
    if (s->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0) fprintf(stderr, "natsrv: could not remove %s\n", s->dir);
        s->dir[0] = 0;
    }
}

#endif
