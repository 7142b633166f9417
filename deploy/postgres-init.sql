-- One database per service: no service reads another's tables.
CREATE DATABASE referrals;
CREATE DATABASE formulation;
CREATE DATABASE goals;
CREATE DATABASE outcomes;
