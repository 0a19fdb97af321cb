create table "Weird ""Table""" ("Col A" int, "select" text, "ünïcode" int); create schema "My Schema";
