create type floatrange as range (subtype = float8, subtype_diff = float8mi);
create table booking (id int primary key, room int, span floatrange, exclude using gist (span with &&));
create index booking_span on booking using gist (span);
