create sequence languages_language_id_seq;
create table languages (id int primary key default nextval('languages_language_id_seq'::regclass), name text);
create sequence odd_id_seq;
create table odds (id int primary key default nextval('odd_id_seq'::regclass));
create sequence "Ws Seq";
create table ws (id int primary key default nextval('"Ws Seq"'::regclass));
