insert into p values (1, 'okay', '{okay,sad}'), (2, 'happy', null);
