/* docs.c - a conversation's stored document on SQLite: the long ones packed with LZ4 into a BLOB, unpacked on every read. */
#include "store/sqlite/sq.h"

#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A packed document is a BLOB: its text's length (4 bytes, little-endian),
 * then the text as one LZ4 block. LZ4 rather than zstd because a document
 * is read by every GET of it: a 40 KB word-level transcript unpacks in ~6 µs
 * (zstd: ~20 µs) and packs in ~20 µs on the importing thread, to ~10 KB. */
#define SQ_DOC_HEAD 4
#define SQ_DOC_MAX (256u << 20) /* far above any document the limits allow */

int sq_doc_pack(const buf_t *stored, buf_t *packed)
{
    buf_reset(packed);
    if (stored->len < SQ_DOC_PACK_MIN || stored->len > SQ_DOC_MAX)
        return 0;
    int cap = LZ4_compressBound((int)stored->len);
    if (buf_reserve(packed, SQ_DOC_HEAD + (size_t)cap) != 0) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        return -1;
    }
    int got = LZ4_compress_default(stored->data, packed->data + SQ_DOC_HEAD, (int)stored->len, cap);
    if (got <= 0 || (size_t)got + SQ_DOC_HEAD >= stored->len) /* it did not shrink: kept as text */
        return 0;
    uint32_t n = (uint32_t)stored->len;
    for (int i = 0; i < SQ_DOC_HEAD; i++)
        packed->data[i] = (char)(n >> (8 * i) & 0xff);
    packed->len = SQ_DOC_HEAD + (size_t)got;
    return 0;
}

int sq_doc_bind(sqlite3_stmt *s, int k, const buf_t *stored, const buf_t *packed)
{
    if (packed && packed->len)
        return sqlite3_bind_blob(s, k, packed->data, (int)packed->len, SQLITE_STATIC);
    return sqlite3_bind_text(s, k, stored->data, (int)stored->len, SQLITE_STATIC);
}

/* The packed document in column col of s's row unpacked into doc; NULL
 * (logged) when it cannot be. */
static const char *sq_doc_unpack(sqlite3_stmt *s, int col, buf_t *doc, size_t *len)
{
    const unsigned char *blob = sqlite3_column_blob(s, col);
    int n = sqlite3_column_bytes(s, col);
    uint32_t want = 0;
    for (int i = 0; blob && n > SQ_DOC_HEAD && i < SQ_DOC_HEAD; i++)
        want |= (uint32_t)blob[i] << (8 * i);
    buf_reset(doc);
    if (want == 0 || want > SQ_DOC_MAX || buf_reserve(doc, (size_t)want + 1) != 0 ||
        LZ4_decompress_safe((const char *)blob + SQ_DOC_HEAD, doc->data, n - SQ_DOC_HEAD, (int)want) != (int)want) {
        fprintf(stderr, "parley: store: a stored conversation document cannot be unpacked (damaged, or out of memory)\n");
        return NULL;
    }
    doc->len = want;
    doc->data[want] = '\0';
    *len = want;
    return doc->data;
}

const char *sq_doc_text(sqlite3_stmt *s, int col, buf_t *doc, size_t *len)
{
    if (sqlite3_column_type(s, col) == SQLITE_BLOB)
        return sq_doc_unpack(s, col, doc, len);
    const char *t = (const char *)sqlite3_column_text(s, col);
    *len = (size_t)sqlite3_column_bytes(s, col);
    return t;
}

/* The column of the stored document in store_shape_conv (-1: none). */
static int sq_doc_col(void)
{
    for (int i = 0; i < store_shape_conv.n; i++)
        if (store_shape_conv.fields[i].kind == STORE_FIELD_DOC)
            return i;
    return -1;
}

int sq_read_conv(sqlite3_stmt *s, conv_t *out, buf_t *doc)
{
    int col = sq_doc_col();
    bool packed = col >= 0 && sqlite3_column_type(s, col) == SQLITE_BLOB; /* before any read converts it */
    /* sq_read hands a packed column's bytes to conv_stored_doc_read too,
     * which finds no document in them (they do not start with the slots'
     * line); what it set is replaced below. The read has made the column
     * text, so its type is not asked again. */
    sq_read(s, 0, &store_shape_conv, out);
    if (!packed)
        return 0;
    size_t len;
    const char *text = sq_doc_unpack(s, col, doc, &len);
    if (!text)
        return -1;
    conv_stored_doc_read(out, text, len);
    return out->doc ? 0 : -1;
}

buf_t *sq_doc_buf_get(sq_conn_t *c)
{
    if (c->ndocs < SQ_DOC_BUFS) {
        buf_t *b = &c->docs[c->ndocs++];
        buf_reset(b);
        return b;
    }
    buf_t *b = malloc(sizeof *b); /* owner: the caller, until sq_doc_buf_put */
    if (b)
        buf_init(b);
    return b;
}

/* A kept buffer grown past this is freed rather than kept (a rare huge document). */
#define SQ_DOC_BUF_KEEP (1u << 20)

void sq_doc_buf_put(sq_conn_t *c, buf_t *b)
{
    if (!b)
        return;
    if (b >= c->docs && b < c->docs + SQ_DOC_BUFS) {
        if (b->cap > SQ_DOC_BUF_KEEP)
            buf_free(b);
        c->ndocs--;
        return;
    }
    buf_free(b);
    free(b);
}

void sq_doc_bufs_free(sq_conn_t *c)
{
    for (int i = 0; i < SQ_DOC_BUFS; i++)
        buf_free(&c->docs[i]);
    c->ndocs = 0;
}
