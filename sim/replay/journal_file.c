/* journal files: opening without blocking, and the lock that keeps one
 * recorder per journal (see journal_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/replay/journal_internal.h"

int journal_file_open(const char *path, bool write, Error **errp)
{
    int flags = write ? O_WRONLY | O_CREAT : O_RDONLY;
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == ENXIO) {
            /* O_WRONLY|O_NONBLOCK on a FIFO without a reader. */
            error_setc(errp, ERR_IO, "journal %s is not a regular file", path);
        } else {
            error_setg_errno(errp, errno, "cannot %s journal %s", write ? "create" : "open",
                             path);
        }
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setc(errp, ERR_IO, "journal %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (flock(fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            error_setc(errp, ERR_IO, write ? "journal %s is in use by another rrsim (being "
                                             "recorded or replayed): refusing to overwrite it"
                                           : "journal %s is being recorded right now: wait for "
                                             "the recording to end",
                       path);
        } else {
            error_setg_errno(errp, e, "cannot lock journal %s", path);
        }
        close(fd);
        return -1;
    }
    /* Truncate only once the lock is ours: never under another recorder or
     * a replay. Then back to blocking I/O (a regular file never waits). */
    if ((write && ftruncate(fd, 0) < 0) || fcntl(fd, F_SETFL, write ? O_WRONLY : O_RDONLY) < 0) {
        error_setg_errno(errp, errno, "cannot %s journal %s", write ? "truncate" : "open", path);
        close(fd);
        return -1;
    }
    return fd;
}
