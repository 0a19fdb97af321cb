INSERT INTO public.shop VALUES (1, 'north');
INSERT INTO public.customer VALUES (1, NULL), (2, NULL);
