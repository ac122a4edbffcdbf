#include "wallet/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct http_buf {
    char *data;
    size_t len;
    int too_large;
} http_buf;

static const char *http_ca_file;
/* "Authorization: Bearer " and the key; empty when no key was given. */
static char http_auth_header[32 + 256 + 1];

void wallet_http_set_ca_file(const char *path)
{
    http_ca_file = path;
}

int wallet_http_set_api_key(const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < n; i++) {
        if (key[i] <= 0x20 || key[i] >= 0x7f) {
            return 0;
        }
    }
    if (n == 0 || n > 256) {
        return 0;
    }
    snprintf(http_auth_header, sizeof(http_auth_header), "Authorization: Bearer %s", key);
    return 1;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    http_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->too_large || n > WALLET_HTTP_RESPONSE_MAX - b->len) {
        b->too_large = 1;
        return 0;
    }
    char *d = realloc(b->data, b->len + n + 1);
    if (d == NULL) {
        return 0;
    }
    memcpy(d + b->len, ptr, n);
    b->data = d;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

chr_err wallet_http(const char *method, const char *url, const char *body, long timeout_ms,
                    long *status, char **resp, int *sent, char *errmsg, size_t errmsg_cap)
{
    *status = 0;
    *resp = NULL;
    if (sent != NULL) {
        *sent = 0;
    }
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(errmsg, errmsg_cap, "cannot start the HTTP client");
        return CHR_ERR_NOMEM;
    }
    http_buf b = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *with_auth = headers != NULL && http_auth_header[0] != '\0'
                                       ? curl_slist_append(headers, http_auth_header)
                                       : headers;
    if (with_auth == NULL) {
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        snprintf(errmsg, errmsg_cap, "cannot start the HTTP client");
        return CHR_ERR_NOMEM;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    if (http_ca_file != NULL) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, http_ca_file);
    }
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(curl);
    chr_err err = CHR_OK;
    /* Bytes of the request handed to the connection: none means the node never saw it. */
    long request_bytes = 1;
    if (curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes) != CURLE_OK) {
        request_bytes = 1;
    }
    if (sent != NULL) {
        *sent = rc == CURLE_OK || request_bytes > 0;
    }
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
        *resp = b.data != NULL ? b.data : calloc(1, 1);
        b.data = NULL;
    } else {
        err = rc == CURLE_OPERATION_TIMEDOUT ? CHR_ERR_TIMEOUT : CHR_ERR_IO;
        snprintf(errmsg, errmsg_cap, "%s: %s", url,
                 b.too_large ? "answer too large" : curl_easy_strerror(rc));
    }
    free(b.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return err;
}
