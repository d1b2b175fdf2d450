-- nabij's buckets in PostgreSQL (store/postgres.go): each bucket's keys and
-- values, ordered by key as bytes (bytea compares as bbolt's keys do), and
-- each bucket's sequence. The values are what the bbolt file holds (JSON
-- for most buckets), so a store moves between the engines key by key.

-- +goose Up
CREATE TABLE kv (
    bucket text  NOT NULL,
    key    bytea NOT NULL,
    value  bytea NOT NULL,
    PRIMARY KEY (bucket, key)
);

CREATE TABLE kv_sequences (
    bucket text   PRIMARY KEY,
    value  bigint NOT NULL
);

-- +goose Down
DROP TABLE kv_sequences;
DROP TABLE kv;
