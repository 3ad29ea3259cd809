
DROP TABLE IF EXISTS attribute_fqns;
