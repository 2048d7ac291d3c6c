"""Lambda handlers, packaged one file each; they import only the standard library and boto3."""
