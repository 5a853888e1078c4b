/*
 * fuzz_config_file.c - libFuzzer target for the AWS shared config and credentials file reader
 * (ec2/config_file.h): ec2_ini_parse, and ec2_profile_load on top of it.
 *
 * The input is one file. ec2_ini_parse must accept it or fail with EC2_ERR_CONFIG and a one-line
 * message; every entry it keeps must be found again by ec2_ini_get and ec2_ini_has_section. The
 * same bytes are then loaded as both the credentials and the config file (from an in-memory file,
 * as ec2_profile_load only takes paths) for the default profile and a named one.
 */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include "config_file.h"

static int memfd = -1;
static char memfd_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* The profile name must come from the arguments, not from whoever runs the fuzzer. */
    unsetenv("AWS_PROFILE");
    memfd = memfd_create("fuzz_config_file", 0);
    FUZZ_CHECK(memfd >= 0);
    snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
    return 0;
}

static void check_error(int rc, const struct ec2_error *err)
{
    FUZZ_CHECK(rc == EC2_ERR_CONFIG || rc == EC2_ERR_NOMEM);
    FUZZ_CHECK(err->code == rc);
    FUZZ_CHECK(err->message[0] != '\0' && fuzz_message_ok(err->message, sizeof(err->message)));
}

static void check_parse(const uint8_t *data, size_t size)
{
    struct ec2_ini ini;
    struct ec2_error err;
    int rc;

    ec2_ini_init(&ini);
    rc = ec2_ini_parse(&ini, (const char *)data, size, "fuzz", &err);
    if (rc < 0)
        check_error(rc, &err);
    for (size_t i = 0; i < ini.n; i++) {
        const struct ec2_ini_entry *e = &ini.entries[i];
        FUZZ_CHECK(e->section != NULL && e->key != NULL && e->value != NULL);
        FUZZ_CHECK(ec2_ini_get(&ini, e->section, e->key) != NULL);
        FUZZ_CHECK(ec2_ini_has_section(&ini, e->section));
    }
    ec2_ini_dispose(&ini);
    FUZZ_CHECK(ini.n == 0 && ini.entries == NULL);
}

static void check_profile(const char *name)
{
    const char *files[] = {memfd_path};
    struct ec2_profile profile;
    struct ec2_error err;
    int rc;

    memset(&profile, 0, sizeof(profile));
    rc = ec2_profile_load(&profile, name, files, 1, files, 1, &err);
    if (rc < 0) {
        check_error(rc, &err);
        return;
    }
    FUZZ_CHECK(profile.name != NULL);
    /* A profile named explicitly is found, or the load fails. */
    if (name != NULL)
        FUZZ_CHECK(profile.found);
    ec2_profile_dispose(&profile);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    FUZZ_CHECK(ftruncate(memfd, 0) == 0);
    FUZZ_CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);
    check_profile(NULL);
    check_profile("dev");
    return 0;
}
