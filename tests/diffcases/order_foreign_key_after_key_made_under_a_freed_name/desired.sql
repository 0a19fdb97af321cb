CREATE TABLE public.shop (store_id integer CONSTRAINT store_pkey PRIMARY KEY, name text);
CREATE TABLE public.customer (
    id integer PRIMARY KEY,
    store_id integer CONSTRAINT customer_store_id_fkey REFERENCES public.shop (store_id)
);
