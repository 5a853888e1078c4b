/*
 * test_credentials.c - shared config/credentials files, profiles, the credential chain and its
 * precedence, credential_process (with small scripts), refresh before expiry, and IMDSv2
 * against a fake metadata server on 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config_file.h"
#include "credentials.h"
#include "ec2.h"
#include "fake_server.h"

static char tmpdir[64];

static void write_file(const char *name, const char *text, bool executable)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    if (executable)
        chmod(path, 0700);
}

static const char *path_of(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void clean_env(void)
{
    static const char *const vars[] = {
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_EC2",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    };

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static int setup(void **state)
{
    (void)state;
    clean_env();
    return 0;
}

/* Build a client and return the error code; *source gets the source name on success. */
static int try_client(struct ec2_config *cfg, char *source, size_t size, struct ec2_error *err)
{
    struct ec2_client *c = NULL;
    int rc;

    if (cfg->region == NULL)
        cfg->region = "us-east-1";
    ec2_error_init(err);
    rc = ec2_client_new(&c, cfg, err);
    if (rc == 0) {
        snprintf(source, size, "%s", ec2_client_credentials_source(c));
        ec2_client_free(c);
    }
    return rc;
}

static void test_config_file__parses_sections_comments_and_nesting(void **state)
{
    static const char text[] = "# comment\n"
                               "; another\n"
                               "[default]\n"
                               "region = eu-west-1\n"
                               "  \n"
                               "[ profile   dev ]\n"
                               "aws_access_key_id=AKIDDEV\r\n"
                               "s3 =\n"
                               "  max_concurrent_requests = 10\n"
                               "[services local]\n"
                               "ec2 =\n"
                               "  endpoint_url = http://localhost:1234\n"
                               "other = x = y\n";
    struct ec2_ini ini;
    struct ec2_error err;

    (void)state;
    ec2_ini_init(&ini);
    assert_int_equal(ec2_ini_parse(&ini, text, strlen(text), "test", &err), 0);
    assert_string_equal(ec2_ini_get(&ini, "default", "region"), "eu-west-1");
    assert_string_equal(ec2_ini_get(&ini, "profile dev", "aws_access_key_id"), "AKIDDEV");
    assert_string_equal(ec2_ini_get(&ini, "profile dev", "s3.max_concurrent_requests"), "10");
    assert_string_equal(ec2_ini_get(&ini, "services local", "ec2.endpoint_url"),
                        "http://localhost:1234");
    assert_string_equal(ec2_ini_get(&ini, "services local", "other"), "x = y");
    assert_null(ec2_ini_get(&ini, "default", "missing"));
    assert_true(ec2_ini_has_section(&ini, "profile dev"));
    ec2_ini_dispose(&ini);
}

static void test_config_file__malformed_line_names_line_not_content(void **state)
{
    static const char text[] = "[default]\naws_secret_access_key = fine\nSECRETVALUE-without-eq\n";
    static const char no_section[] = "key = value\n";
    static const char open_bracket[] = "[default\n";
    struct ec2_ini ini;
    struct ec2_error err;

    (void)state;
    ec2_ini_init(&ini);
    ec2_error_init(&err);
    assert_int_equal(ec2_ini_parse(&ini, text, strlen(text), "creds", &err), EC2_ERR_CONFIG);
    assert_non_null(strstr(err.message, "creds line 3"));
    assert_null(strstr(err.message, "SECRETVALUE"));
    assert_int_equal(ec2_ini_parse(&ini, no_section, strlen(no_section), "c", &err),
                     EC2_ERR_CONFIG);
    assert_int_equal(ec2_ini_parse(&ini, open_bracket, strlen(open_bracket), "c", &err),
                     EC2_ERR_CONFIG);
    ec2_ini_dispose(&ini);
}

static void test_config_file__too_large_file_is_a_config_error(void **state)
{
    char *text = malloc(EC2_INI_MAX_FILE_BYTES + 2);
    struct ec2_error err;
    struct ec2_ini ini;
    bool found = true;

    (void)state;
    assert_non_null(text);
    /* one valid line repeated past the limit: only the size can make the load fail */
    for (size_t i = 0; i <= EC2_INI_MAX_FILE_BYTES; i++)
        text[i] = i % 8 == 7 ? '\n' : "# big  "[i % 8];
    text[EC2_INI_MAX_FILE_BYTES + 1] = '\0';
    write_file("big", text, false);
    free(text);
    ec2_ini_init(&ini);
    ec2_error_init(&err);
    assert_int_equal(ec2_ini_load_file(&ini, path_of("big"), &found, &err), EC2_ERR_CONFIG);
    assert_int_equal(err.code, EC2_ERR_CONFIG);
    assert_non_null(strstr(err.message, "larger than 1048576 bytes"));
    assert_false(found);
    ec2_ini_dispose(&ini);
}

static void test_profiles__credentials_file_wins_and_profile_sections(void **state)
{
    const char *creds_files[1], *config_files[1];
    struct ec2_profile p;
    struct ec2_error err;

    (void)state;
    write_file("credentials",
               "[default]\naws_access_key_id = AKIDCRED\n"
               "aws_secret_access_key = SECRETCRED\n"
               "[dev]\naws_access_key_id = AKIDDEVCRED\n",
               false);
    write_file("config",
               "[default]\nregion = eu-west-1\naws_access_key_id = AKIDCONF\n"
               "aws_secret_access_key = SECRETCONF\n"
               "[profile dev]\nregion = ap-south-1\naws_secret_access_key = SECRETDEV\n"
               "services = local\n"
               "[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:9\n",
               false);
    creds_files[0] = path_of("credentials");
    config_files[0] = path_of("config");
    assert_int_equal(ec2_profile_load(&p, NULL, creds_files, 1, config_files, 1, &err), 0);
    assert_true(p.found);
    assert_string_equal(p.name, "default");
    assert_string_equal(p.region, "eu-west-1");
    assert_string_equal(p.access_key, "AKIDCRED");
    assert_string_equal(p.secret_key, "SECRETCRED");
    ec2_profile_dispose(&p);
    /* [profile dev] in config, [dev] in credentials: merged, credentials keys first. */
    assert_int_equal(ec2_profile_load(&p, "dev", creds_files, 1, config_files, 1, &err), 0);
    assert_string_equal(p.access_key, "AKIDDEVCRED");
    assert_string_equal(p.secret_key, "SECRETDEV");
    assert_string_equal(p.region, "ap-south-1");
    assert_string_equal(p.endpoint_url, "http://127.0.0.1:9");
    ec2_profile_dispose(&p);
    /* AWS_PROFILE selects when no name is given. */
    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(ec2_profile_load(&p, NULL, creds_files, 1, config_files, 1, &err), 0);
    assert_string_equal(p.name, "dev");
    ec2_profile_dispose(&p);
    /* A named profile that no file has is an error; a missing default is not. */
    ec2_error_init(&err);
    assert_int_equal(ec2_profile_load(&p, "nope", creds_files, 1, config_files, 1, &err),
                     EC2_ERR_CONFIG);
    assert_non_null(strstr(err.message, "nope"));
    unsetenv("AWS_PROFILE");
    assert_int_equal(ec2_profile_load(&p, NULL, NULL, 0, NULL, 0, &err), 0);
    assert_false(p.found);
    ec2_profile_dispose(&p);
}

static void test_profiles__env_file_locations_and_later_files_override(void **state)
{
    const char *creds_files[2];
    struct ec2_profile p;
    struct ec2_error err;

    (void)state;
    write_file("c1", "[default]\naws_access_key_id = A1\naws_secret_access_key = S1\n", false);
    write_file("c2", "[default]\naws_access_key_id = A2\n", false);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path_of("c1"), 1);
    assert_int_equal(ec2_profile_load(&p, NULL, NULL, 0, NULL, 0, &err), 0);
    assert_string_equal(p.access_key, "A1");
    ec2_profile_dispose(&p);
    creds_files[0] = path_of("c1");
    creds_files[1] = path_of("c2");
    assert_int_equal(ec2_profile_load(&p, NULL, creds_files, 2, NULL, 0, &err), 0);
    assert_string_equal(p.access_key, "A2");
    assert_string_equal(p.secret_key, "S1");
    ec2_profile_dispose(&p);
}

static void test_chain__precedence_explicit_env_files(void **state)
{
    const char *creds_files[1];
    struct ec2_config cfg;
    struct ec2_error err;
    char source[64];

    (void)state;
    write_file("credentials",
               "[default]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = SECRETFILE\n",
               false);
    creds_files[0] = path_of("credentials");
    ec2_config_init(&cfg);
    cfg.shared_credentials_files = creds_files;
    cfg.n_shared_credentials_files = 1;
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), 0);
    assert_string_equal(source, "shared-credentials-file");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV", 1);
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), 0);
    assert_string_equal(source, "environment");
    cfg.access_key = "AKIDX";
    cfg.secret_key = "SECRETX";
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), 0);
    assert_string_equal(source, "static");
    /* Half a key pair is a configuration mistake, not a reason to fall through. */
    cfg.secret_key = NULL;
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_INVALID_ARGUMENT);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void test_chain__nothing_found(void **state)
{
    struct ec2_config cfg;
    struct ec2_error err;
    char source[64];

    (void)state;
    ec2_config_init(&cfg);
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_NO_CREDENTIALS);
    assert_int_equal(err.error_class, EC2_CLASS_LOCAL);
    assert_non_null(strstr(err.message, "no AWS credentials"));
}

static void test_chain__credential_process(void **state)
{
    const char *config_files[1];
    struct ec2_config cfg;
    struct ec2_error err;
    char source[64], config[512];

    (void)state;
    write_file("proc-ok.sh",
               "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
               "\"SecretAccessKey\": \"SECRETPROC\", \"SessionToken\": \"TOK\", "
               "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
               true);
    write_file("proc-fail.sh", "#!/bin/sh\necho 'SECRET-IN-STDERR' >&2\nexit 3\n", true);
    write_file("proc-bad.sh", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"SECRETISH\"'\n",
               true);
    write_file("proc-v2.sh",
               "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
               "\"S\"}'\n",
               true);
    snprintf(config, sizeof(config),
             "[default]\ncredential_process = %s/proc-ok.sh --flag \"quoted arg\"\n"
             "[profile fail]\ncredential_process = %s/proc-fail.sh\n"
             "[profile bad]\ncredential_process = %s/proc-bad.sh\n"
             "[profile v2]\ncredential_process = %s/proc-v2.sh\n",
             tmpdir, tmpdir, tmpdir, tmpdir);
    write_file("config", config, false);
    config_files[0] = path_of("config");
    ec2_config_init(&cfg);
    cfg.shared_config_files = config_files;
    cfg.n_shared_config_files = 1;
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), 0);
    assert_string_equal(source, "credential_process");
    cfg.profile = "fail";
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_CREDENTIALS);
    assert_non_null(strstr(err.message, "exited with status 3"));
    assert_null(strstr(err.message, "SECRET"));
    cfg.profile = "bad";
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_CREDENTIALS);
    assert_null(strstr(err.message, "SECRETISH"));
    cfg.profile = "v2";
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_CREDENTIALS);
    assert_non_null(strstr(err.message, "Version"));
}

static void test_credentials__json_documents(void **state)
{
    static const char imds[] = "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": "
                               "\"AKIDI\", \"SecretAccessKey\": \"SI\", \"Token\": \"TI\", "
                               "\"Expiration\": \"2030-01-01T00:00:00Z\"}";
    static const char failed[] = "{\"Code\": \"Failure\", \"AccessKeyId\": \"A\"}";
    static const char no_version[] = "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}";
    static const char bad_time[] = "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
                                   "\"S\", \"Expiration\": \"tomorrow\"}";
    struct ec2_credentials c;
    struct ec2_error err;

    (void)state;
    assert_int_equal(ec2_credentials_from_json(&c, imds, strlen(imds), "imds", &err), 0);
    assert_string_equal(c.access_key, "AKIDI");
    assert_string_equal(c.session_token, "TI");
    assert_true(c.expires_ms == INT64_C(1893456000000));
    assert_int_equal(ec2_credentials_from_json(&c, failed, strlen(failed), "imds", &err),
                     EC2_ERR_CREDENTIALS);
    assert_int_equal(ec2_credentials_from_json(&c, no_version, strlen(no_version), "p", &err),
                     EC2_ERR_CREDENTIALS);
    assert_int_equal(ec2_credentials_from_json(&c, bad_time, strlen(bad_time), "p", &err),
                     EC2_ERR_CREDENTIALS);
    assert_int_equal(ec2_credentials_from_json(&c, "[]", 2, "p", &err), EC2_ERR_CREDENTIALS);
    assert_int_equal(ec2_credentials_from_json(&c, "", 0, "p", &err), EC2_ERR_CREDENTIALS);
}

/* Wall clock the refresh test moves forward. */
static int64_t test_wall_ms;

static int64_t fixed_wall(void *payload)
{
    (void)payload;
    return test_wall_ms;
}

static void test_credentials__refreshed_before_expiry(void **state)
{
    struct ec2_profile profile;
    struct ec2_creds_config cc;
    struct ec2_hooks hooks, given;
    struct ec2_creds *creds = NULL;
    struct ec2_credentials now;
    struct ec2_error err;
    char script[512], cmd[300];

    (void)state;
    /* Each run prints a key numbered by how many runs came before. */
    snprintf(script, sizeof(script),
             "#!/bin/sh\nn=$(cat %s/count 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "
             "%s/count\necho \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKID$n\\\", "
             "\\\"SecretAccessKey\\\": \\\"S\\\", \\\"Expiration\\\": "
             "\\\"2030-01-01T01:00:00Z\\\"}\"\n",
             tmpdir, tmpdir);
    write_file("counting.sh", script, true);
    unlink(path_of("count"));
    snprintf(cmd, sizeof(cmd), "%s/counting.sh", tmpdir);
    memset(&profile, 0, sizeof(profile));
    profile.credential_process = cmd;
    memset(&given, 0, sizeof(given));
    given.wall_ms = fixed_wall;
    ec2_hooks_fill(&hooks, &given);
    memset(&cc, 0, sizeof(cc));
    cc.profile = &profile;
    cc.hooks = &hooks;
    test_wall_ms = INT64_C(1893456000000); /* 2030-01-01T00:00:00Z: one hour left */
    assert_int_equal(ec2_creds_new(&creds, &cc, &err), 0);
    assert_int_equal(ec2_creds_get(creds, &now, &err), 0);
    assert_string_equal(now.access_key, "AKID1");
    /* Ten minutes before expiry: still fine, no new run. */
    test_wall_ms += 50 * 60 * 1000;
    assert_int_equal(ec2_creds_get(creds, &now, &err), 0);
    assert_string_equal(now.access_key, "AKID1");
    /* Inside the five-minute window: refreshed. */
    test_wall_ms += 6 * 60 * 1000;
    assert_int_equal(ec2_creds_get(creds, &now, &err), 0);
    assert_string_equal(now.access_key, "AKID2");
    ec2_credentials_wipe(&now);
    ec2_creds_free(creds);
}

/* Fake IMDSv2: token on PUT, role and credentials only with that token. */
static struct fake_response imds_handler(void *payload, int index, const struct fake_request *req)
{
    static const char creds_json[] =
        "{\"Code\": \"Success\", \"AccessKeyId\": \"AKIDIMDS\", \"SecretAccessKey\": \"SIMDS\", "
        "\"Token\": \"TIMDS\", \"Expiration\": \"2099-01-01T00:00:00Z\"}";
    struct fake_response r = {200, NULL, NULL, 0, false};
    char token[64], ttl[32];

    (void)payload;
    (void)index;
    fake_request_header(req, "X-aws-ec2-metadata-token", token, sizeof(token));
    fake_request_header(req, "X-aws-ec2-metadata-token-ttl-seconds", ttl, sizeof(ttl));
    if (strcmp(req->method, "PUT") == 0 && strcmp(req->path, "/latest/api/token") == 0) {
        r.status = ttl[0] != '\0' ? 200 : 400;
        r.body = "SESSIONTOKEN\n";
    } else if (strcmp(token, "SESSIONTOKEN") != 0) {
        r.status = 401;
    } else if (strcmp(req->path, "/latest/meta-data/iam/security-credentials/") == 0) {
        r.body = "my-role\n";
    } else if (strcmp(req->path, "/latest/meta-data/iam/security-credentials/my-role") == 0) {
        r.body = creds_json;
    } else {
        r.status = 404;
    }
    return r;
}

static void test_chain__imds_v2(void **state)
{
    struct fake_server *srv = fake_server_start(imds_handler, NULL);
    struct ec2_config cfg;
    struct ec2_error err;
    char source[64], ttl[32];

    (void)state;
    assert_non_null(srv);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_server_url(srv), 1);
    /* Disabled: the server is never asked. */
    ec2_config_init(&cfg);
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_NO_CREDENTIALS);
    assert_int_equal(fake_server_count(srv), 0);
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    cfg.disable_imds = true;
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_NO_CREDENTIALS);
    assert_int_equal(fake_server_count(srv), 0);
    cfg.disable_imds = false;
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), 0);
    assert_string_equal(source, "imds");
    assert_int_equal(fake_server_count(srv), 3);
    assert_string_equal(fake_server_request(srv, 0)->method, "PUT");
    fake_request_header(fake_server_request(srv, 0), "X-aws-ec2-metadata-token-ttl-seconds", ttl,
                        sizeof(ttl));
    assert_string_equal(ttl, "21600");
    assert_string_equal(fake_server_request(srv, 2)->path,
                        "/latest/meta-data/iam/security-credentials/my-role");
    fake_server_stop(srv);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

static void test_chain__imds_unreachable_fails_fast(void **state)
{
    struct ec2_config cfg;
    struct ec2_error err;
    char source[64];
    int64_t start, elapsed;

    (void)state;
    /* Port 9 (discard) on loopback: connection refused at once. */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    ec2_config_init(&cfg);
    start = ec2_clock_monotonic_ms(NULL);
    assert_int_equal(try_client(&cfg, source, sizeof(source), &err), EC2_ERR_NO_CREDENTIALS);
    elapsed = ec2_clock_monotonic_ms(NULL) - start;
    assert_true(elapsed < 3000);
    assert_non_null(strstr(err.message, "instance metadata"));
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_file__parses_sections_comments_and_nesting, setup),
        cmocka_unit_test_setup(test_config_file__malformed_line_names_line_not_content, setup),
        cmocka_unit_test_setup(test_config_file__too_large_file_is_a_config_error, setup),
        cmocka_unit_test_setup(test_profiles__credentials_file_wins_and_profile_sections, setup),
        cmocka_unit_test_setup(test_profiles__env_file_locations_and_later_files_override, setup),
        cmocka_unit_test_setup(test_chain__precedence_explicit_env_files, setup),
        cmocka_unit_test_setup(test_chain__nothing_found, setup),
        cmocka_unit_test_setup(test_chain__credential_process, setup),
        cmocka_unit_test_setup(test_credentials__json_documents, setup),
        cmocka_unit_test_setup(test_credentials__refreshed_before_expiry, setup),
        cmocka_unit_test_setup(test_chain__imds_v2, setup),
        cmocka_unit_test_setup(test_chain__imds_unreachable_fails_fast, setup),
    };
    char cmd[128];
    int rc;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ec2-creds-test-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    if (ec2_global_init() < 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    ec2_global_cleanup();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
