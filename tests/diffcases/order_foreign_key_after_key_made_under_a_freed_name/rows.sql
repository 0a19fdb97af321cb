INSERT INTO public.store VALUES (1, 'north');
INSERT INTO public.customer VALUES (1, NULL), (2, NULL);
