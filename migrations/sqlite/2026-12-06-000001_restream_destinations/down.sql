DROP TABLE restream_destinations;
