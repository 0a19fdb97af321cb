-- A retyped column whose default the new type cannot take (a uuid's gen_random_uuid() under bigint, text '0'
-- under integer: ALTER COLUMN ... TYPE casts the default too, and refuses): the default goes first, the new
-- one comes after the type (lago's and delta's uuid keys made openstreetmap's and plue's serials)
create table account (id uuid default gen_random_uuid() primary key, tries text default '0', label text);
