-- A table renamed without the rename being accepted: the new table's key keeps the old one's name
-- (PostgreSQL keeps a constraint's name when its table is renamed), so its ADD CONSTRAINT waits for the old
-- table's DROP, and the foreign keys to the new table must wait for that key.
CREATE TABLE public.store (store_id integer PRIMARY KEY, name text);
CREATE TABLE public.customer (
    id integer PRIMARY KEY,
    store_id integer CONSTRAINT customer_store_id_fkey REFERENCES public.store (store_id)
);
