"""Prints the table of PythonFloatTest: each input string and what CPython's float() makes of it,
as a Java array row {input, expected}; expected is float.hex() of the value, inf, -inf, nan or ValueError.
Run with /usr/bin/python3 (3.11.2 for the committed table)."""
cases = ['0.5d','0.5D','1f','0x1p-1','0x10','inf','-inf','+inf','nan','-nan','+NaN','NAN','Infinity','-Infinity','iNfInItY','infinit','infE','nane','nan(1)','∞',
 '1e5','1E+05','1e-400','1e999','-1e999','1.7976931348623159e308','4.9e-324','2.4703282292062328e-324','9007199254740993','0.1','-0','0001',
 ' 1.5 ','\t2','1.5\n','\x0b1','\x0c1\r','\xa01.5\xa0','\u20071','1\u3000','\x851','\x1c1\x1f','\u200b1','1\x00',
 '1_000','1_000.5','1__0','_1','1_','1._5','1_.5','1.5_','1e1_0','1_e5','1e+_5','-_1','+_1','1_0.0_1','00_1.0_0e0_1','1e-1_0','0_0',
 '.5','5.','.','e5','E5','e','1e','1e+','+','','+.','-.5','+.5e-3','1.e5','.e5','1.5.5','--1','+-1','1 2','1d',
 '١٢٣','١.٥e٢','１.５','\U0001d7cf','١_٢','٣','1²']
def jstr(s):
    out=''
    for ch in s:
        c=ord(ch)
        if ch=='"': out+='\\"'
        elif ch=='\\': out+='\\\\'
        elif 32<=c<127: out+=ch
        elif c<32: out+='\\%03o'%c  # octal: a \\u000a escape would end the Java string literal
        elif c<=0xffff: out+='\\u%04x'%c
        else:
            c-=0x10000; out+='\\u%04x\\u%04x'%(0xd800+(c>>10),0xdc00+(c&0x3ff))
    return '"'+out+'"'
for s in cases:
    try:
        v=float(s)
        e = 'nan' if v!=v else ('inf' if v==float('inf') else ('-inf' if v==float('-inf') else v.hex()))
    except ValueError:
        e='ValueError'
    print('            {%s, "%s"},' % (jstr(s), e))
