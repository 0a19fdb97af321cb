insert into t values (1, 'sad'), (2, 'happy'), (3, null);
